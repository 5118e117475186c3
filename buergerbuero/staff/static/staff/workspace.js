// The officials' workspace (one socket: /ws/staff/). The server draws the first state; from then on the
// page changes only on socket frames: `snapshot` replaces everything, deltas (`office.state`,
// `office.queue`, `queue.connected`, `colleague.invited`, call frames) change parts. Buttons are plain
// POST forms that this script sends with fetch (Accept: application/json); their effects come back as
// frames. Presence and availability are also applied at once when the POST answers; `staff.me` frames
// keep other tabs right.

import { askForNotifications, canAskForNotifications, notify, playChime, unlockAudioOnGesture } from "/static/core/alert.js";
import { CallPanel, cameras, setPressed } from "/static/core/callui.js";
import { connect } from "/static/core/socket.js";

const $ = (id) => document.getElementById(id);
const config = JSON.parse($("workspace-config").textContent);
const L = config.labels;
const originalTitle = document.title;
const lang = document.documentElement.lang || "de";
const SOUND_KEY = "bb.staff.sound";

// --- which page holds the call -------------------------------------------------------------------
// Exactly one page of an official runs the call (docs/architecture.md, "One page holds the call"). Each
// page load has an id of its own, sent with the socket and with "admit" and "join"; a reloaded tab also
// sends the id of the page it showed before, so it gets its call back. That id waits in sessionStorage
// only while the page is being left: a duplicated tab copies sessionStorage and must not inherit it.
const PAGE_KEY = "bb.staff.page";

function newPageId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

function storage(action) {
  try {
    return action(window.sessionStorage);
  } catch {
    return null; // no storage (private mode): a reload then offers to take the call over
  }
}

const pageId = newPageId();
const previousPageId = storage((s) => {
  const value = s.getItem(PAGE_KEY);
  s.removeItem(PAGE_KEY);
  return value;
});
window.addEventListener("pagehide", () => storage((s) => s.setItem(PAGE_KEY, pageId)));
window.addEventListener("pageshow", (event) => {
  if (event.persisted) storage((s) => s.removeItem(PAGE_KEY));
});

const fmt = (template, values) => template.replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
const withId = (url, id) => url.replace("/0/", `/${id}/`);

// --- state -----------------------------------------------------------------------------------------

const offices = new Map(); // id -> {id, name, slug, assigned, present, state, queue, seq}
const seen = new Map(); // office id -> Set of ticket ids already known (to tell newcomers)
let me = null;
let transferTargets = [];
let colleagues = [];

let myRole = null;
let callOffice = "";
let awaitingCallStart = false;
let resyncTimer = null;
// The participant whose call another page of mine holds (call.elsewhere), or null.
let elsewhereParticipant = null;
let takingOver = false;
let socketOpens = 0;

// --- small helpers ---------------------------------------------------------------------------------

function csrfToken() {
  if (config.csrf) return config.csrf;
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function notice(text, element = $("workspace-notice")) {
  if (element.textContent !== text) element.textContent = text;
}

function fillIds(root, placeholder, id) {
  for (const el of root.querySelectorAll("[id], [for], [aria-labelledby], [aria-controls], [aria-describedby]")) {
    for (const attr of ["id", "for", "aria-labelledby", "aria-controls", "aria-describedby"]) {
      const value = el.getAttribute(attr);
      if (value && value.includes(placeholder)) el.setAttribute(attr, value.replaceAll(placeholder, String(id)));
    }
  }
  for (const attr of ["aria-labelledby"]) {
    const value = root.getAttribute(attr);
    if (value && value.includes(placeholder)) root.setAttribute(attr, value.replaceAll(placeholder, String(id)));
  }
}

function cloneTemplate(id) {
  return $(id).content.firstElementChild.cloneNode(true);
}

const relative = typeof Intl !== "undefined" && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(lang, { numeric: "auto" }) : null;

function relativeTime(iso) {
  const seconds = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
  if (!relative) return new Date(iso).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
  const abs = Math.abs(seconds);
  if (abs < 60) return relative.format(0, "minute");
  if (abs < 3600) return relative.format(Math.round(seconds / 60), "minute");
  return relative.format(Math.round(seconds / 3600), "hour");
}

function refreshTimes() {
  for (const time of document.querySelectorAll("time.queue-entry__since[datetime]")) {
    const text = relativeTime(time.getAttribute("datetime"));
    if (time.textContent !== text) time.textContent = text;
    time.title = new Date(time.getAttribute("datetime")).toLocaleString(lang);
  }
}

// --- alerts ----------------------------------------------------------------------------------------

function soundOn() {
  try {
    return window.localStorage.getItem(SOUND_KEY) !== "off";
  } catch {
    return true;
  }
}

function showSoundState() {
  const on = soundOn();
  const button = $("sound-button");
  setPressed(button, on);
  button.title = on ? L.sound_on : L.sound_off;
}

$("sound-button").addEventListener("click", () => {
  try {
    window.localStorage.setItem(SOUND_KEY, soundOn() ? "off" : "on");
  } catch {
    // No storage (private mode): the choice lasts as long as the page does not.
  }
  showSoundState();
});

const notifyButton = $("notify-button");
if (canAskForNotifications()) {
  notifyButton.hidden = false;
  notifyButton.addEventListener("click", async () => {
    await askForNotifications();
    notifyButton.hidden = true;
  });
}

function alertPerson(title, body) {
  // Only when the official might not see the page change: in a consultation or in another tab.
  if (!(panel.call || document.hidden)) return;
  if (soundOn()) playChime();
  notify(title, body);
}

function updateTitle() {
  let waiting = 0;
  for (const office of offices.values()) if (office.present) waiting += office.state?.waiting || 0;
  document.title = waiting > 0 ? `(${waiting}) ${fmt(L.waiting_title, { count: waiting })} – ${originalTitle}` : originalTitle;
}

// --- offices and queues ----------------------------------------------------------------------------

function officeSection(id) {
  return document.querySelector(`#office-list [data-office-id="${id}"]`);
}

function ensureOfficeSection(office) {
  let section = officeSection(office.id);
  if (!section) {
    section = cloneTemplate("office-template");
    section.dataset.officeId = String(office.id);
    fillIds(section, "__office__", office.id);
    section.querySelector(".open-form").action = withId(config.urls.open, office.id);
    section.querySelector(".close-form").action = withId(config.urls.close, office.id);
    section.querySelector(".admit-next-form").action = withId(config.urls.admit_next, office.id);
  }
  return section;
}

function renderOfficeState(office) {
  const section = officeSection(office.id);
  if (!section || !office.state) return;
  const badge = section.querySelector(".office__state");
  badge.className = `badge office__state badge--${office.state.state}`;
  badge.textContent = L[office.state.state] || office.state.state;
  section.querySelector(".office__waiting").textContent = String(office.state.waiting);
  section.querySelector(".office__present").textContent = String(office.state.officials_present);
}

function renderPresence(office) {
  const section = officeSection(office.id);
  if (!section) return;
  section.querySelector(".office__name").textContent = office.name;
  section.querySelector(".office__unassigned").hidden = office.assigned;
  section.querySelector(".open-form").hidden = !office.assigned || office.present;
  section.querySelector(".close-form").hidden = !office.present;
  section.querySelector(".admit-next-form").hidden = !office.present;
  if (!office.present) section.querySelector(".close-confirm").hidden = true;
}

function queueItem(entry) {
  const item = cloneTemplate("queue-item-template");
  item.dataset.ticketId = String(entry.ticket);
  fillIds(item, "__ticket__", entry.ticket);
  item.querySelector(".admit-form").action = withId(config.urls.admit, entry.ticket);
  item.querySelector(".decline-form").action = withId(config.urls.decline, entry.ticket);
  return item;
}

function fillQueueItem(item, entry) {
  const name = entry.name || L.unnamed;
  const nameEl = item.querySelector(".queue-entry__name");
  if (nameEl.textContent !== name) nameEl.textContent = name;
  item.querySelector(".admit-who").textContent = `: ${name}`;
  const concern = item.querySelector(".queue-entry__concern");
  concern.textContent = entry.concern || "";
  concern.hidden = !entry.concern;
  const since = item.querySelector(".queue-entry__since");
  since.setAttribute("datetime", entry.waiting_since);
  item.querySelector(".mark--returned").hidden = !entry.returned;
  const appointment = item.querySelector(".mark--appointment");
  appointment.hidden = !entry.appointment;
  appointment.textContent = entry.appointment ? fmt(L.appointment, { time: entry.appointment_time }) : "";
  const transferred = item.querySelector(".mark--transferred");
  transferred.hidden = !entry.transferred_from;
  transferred.textContent = entry.transferred_from
    ? fmt(L.transferred_from, { office: entry.transferred_from }) + (entry.transfer_note ? `: ${entry.transfer_note}` : "")
    : "";
  item.querySelector(".mark--away").hidden = entry.connected !== false;
}

function renderQueue(office) {
  const section = officeSection(office.id);
  if (!section) return;
  const list = section.querySelector(".queue");
  const existing = new Map([...list.querySelectorAll(":scope > [data-ticket-id]")].map((li) => [li.dataset.ticketId, li]));
  const wanted = new Set();
  office.queue.forEach((entry, index) => {
    const key = String(entry.ticket);
    wanted.add(key);
    let item = existing.get(key);
    if (!item) item = queueItem(entry);
    fillQueueItem(item, entry);
    // Move only what is out of place, so an open decline form (and its focus) survives updates.
    if (list.children[index] !== item) list.insertBefore(item, list.children[index] || null);
  });
  for (const [key, item] of existing) if (!wanted.has(key)) item.remove();
  section.querySelector(".queue-empty").hidden = office.queue.length > 0;
  refreshTimes();
}

function renderOffice(office) {
  ensureOfficeSection(office);
  renderPresence(office);
  renderOfficeState(office);
  renderQueue(office);
}

function placeOffices() {
  const list = $("office-list");
  const ordered = [...offices.values()].sort(
    (a, b) => Number(b.assigned) - Number(a.assigned) || a.name.localeCompare(b.name, lang),
  );
  ordered.forEach((office, index) => {
    const section = ensureOfficeSection(office);
    if (list.children[index] !== section) list.insertBefore(section, list.children[index] || null);
  });
  for (const section of [...list.querySelectorAll(":scope > [data-office-id]")]) {
    if (!offices.has(Number(section.dataset.officeId))) section.remove();
  }
  $("no-offices").hidden = offices.size > 0;
}

function noteArrivals(office, initial) {
  const known = seen.get(office.id) || new Set();
  const fresh = office.queue.filter((entry) => !known.has(entry.ticket));
  seen.set(office.id, new Set(office.queue.map((entry) => entry.ticket)));
  if (!initial && fresh.length && office.present) {
    alertPerson(L.new_citizen, fmt(L.new_citizen_in, { office: office.name }));
  }
}

// --- invitations -----------------------------------------------------------------------------------

function addInvitation({ participant, office, by }) {
  const list = $("invitation-list");
  if (list.querySelector(`[data-participant="${participant}"]`)) return;
  const item = cloneTemplate("invitation-template");
  item.dataset.participant = String(participant);
  item.querySelector(".invitation__text").textContent = fmt(L.invited, { by: by || L.colleague, office });
  for (const form of item.querySelectorAll(".answer-form")) form.action = withId(config.urls.answer, participant);
  list.append(item);
  $("invitations").hidden = false;
}

function removeInvitation(participant) {
  const item = $("invitation-list").querySelector(`[data-participant="${participant}"]`);
  if (item) item.remove();
  $("invitations").hidden = $("invitation-list").children.length === 0;
}

// --- selects of the call tools -------------------------------------------------------------------

function fillOptions(select, items, skip = () => false) {
  const current = select.value;
  select.replaceChildren();
  for (const item of items) {
    if (skip(item)) continue;
    const option = document.createElement("option");
    option.value = String(item.id);
    option.textContent = item.name;
    option.selected = String(item.id) === current;
    select.append(option);
  }
}

function fillCallTools() {
  fillOptions($("transfer-office"), transferTargets, (o) => o.name === callOffice);
  fillOptions($("invite-colleague"), colleagues);
}

// --- frames: snapshot and deltas -------------------------------------------------------------------

function applyMe(frame) {
  // My own availability and presence, changed here or in another tab.
  if (me) me.availability = frame.availability;
  const select = $("availability-select");
  if (select.value !== frame.availability) select.value = frame.availability;
  const present = new Set(frame.present);
  for (const office of offices.values()) {
    const now = present.has(office.id);
    if (office.present !== now) {
      office.present = now;
      renderPresence(office);
    }
  }
  updateTitle();
}

function applySnapshot(frame) {
  me = frame.me;
  const select = $("availability-select");
  if (select.value !== me.availability) select.value = me.availability;
  offices.clear();
  for (const office of frame.offices) offices.set(office.id, office);
  placeOffices();
  for (const office of offices.values()) {
    renderOffice(office);
    noteArrivals(office, !seen.has(office.id));
  }
  for (const id of [...seen.keys()]) if (!offices.has(id)) seen.delete(id);
  transferTargets = frame.transfer_targets;
  colleagues = frame.colleagues;
  fillCallTools();
  $("invitation-list").replaceChildren();
  $("invitations").hidden = true;
  for (const invitation of frame.invitations) addInvitation(invitation);
  updateTitle();
  // The server sends `call.start` (or `call.elsewhere`) right after the snapshot while a consultation
  // runs; a call that gets neither ended while the socket was away.
  awaitingCallStart = Boolean(panel.call) || elsewhereParticipant !== null;
  window.clearTimeout(resyncTimer);
  if (awaitingCallStart) resyncTimer = window.setTimeout(() => awaitingCallStart && endCall(L.call_ended), 5000);
}

function applyOfficeState(frame) {
  const office = offices.get(frame.office);
  if (!office) return;
  office.state = { ...frame };
  delete office.state.type;
  renderOfficeState(office);
  updateTitle();
}

function applyOfficeQueue(frame) {
  const office = offices.get(frame.office);
  if (!office || frame.seq < office.seq) return;
  office.seq = frame.seq;
  office.queue = frame.entries;
  renderQueue(office);
  noteArrivals(office, false);
}

function applyQueueConnected(frame) {
  // A waiting citizen's page opened or closed its socket: only that entry's "page closed" mark changes.
  const office = offices.get(frame.office);
  const entry = office && office.queue.find((e) => e.ticket === frame.ticket);
  if (!entry) return;
  entry.connected = frame.connected;
  const item = officeSection(office.id)?.querySelector(`.queue > [data-ticket-id="${frame.ticket}"]`);
  if (item) item.querySelector(".mark--away").hidden = entry.connected !== false;
}

// --- the consultation ------------------------------------------------------------------------------

const panel = new CallPanel({
  send: (frame) => socket.send(frame),
  notice: (text) => notice(text),
  labels: {
    you: L.you,
    peer: L.citizen,
    peerInText: L.citizen,
    videoOf: L.video_of,
    unstable: L.unstable,
    cameraFailed: L.camera_failed,
    chatFailed: L.connection_lost,
    left: L.left,
  },
  onParticipants: renderParticipants,
});
panel.bindControls();

async function getLocalMedia() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return null;
  for (const constraints of [{ audio: true, video: true }, { audio: true, video: false }]) {
    try {
      return await navigator.mediaDevices.getUserMedia(constraints);
    } catch (error) {
      console.warn("getUserMedia", constraints, error);
    }
  }
  return null;
}

// Letting someone in also opens the camera and microphone at once, in parallel with the request, so the
// call starts as soon as the server answers. If the admission fails, they are closed again.
let mediaPromise = null;

function warmMedia() {
  if (!mediaPromise && !panel.localStream) mediaPromise = getLocalMedia();
}

function dropWarmMedia() {
  if (!mediaPromise || panel.consultationId !== null) return;
  mediaPromise.then((stream) => stream && stream.getTracks().forEach((track) => track.stop()));
  mediaPromise = null;
}

function renderParticipants(participants) {
  const list = $("participant-list");
  list.replaceChildren();
  for (const p of participants) {
    const item = document.createElement("li");
    const role = L[p.role] || p.role;
    const name = p.id === panel.me ? L.you : p.name || L.unnamed;
    item.textContent = `${name} (${role})`;
    list.append(item);
  }
}

async function updateControls() {
  panel.updateControls();
  $("switch-camera-button").hidden = !panel.cameraTrack || (await cameras()).length < 2;
}

function showCallPanel(frame) {
  callOffice = frame.office || "";
  $("call-office").textContent = callOffice;
  const official = myRole === "official";
  $("official-tools").hidden = !official;
  $("hangup-button").textContent = official ? L.end : L.leave;
  $("hangup-button").disabled = false;
  $("send-back-form").action = withId(config.urls.send_back, panel.consultationId);
  $("transfer-form").action = withId(config.urls.transfer, panel.consultationId);
  $("invite-form").action = withId(config.urls.invite, panel.consultationId);
  fillCallTools();
  $("call-panel").hidden = false;
}

async function startCall(frame) {
  awaitingCallStart = false;
  window.clearTimeout(resyncTimer);
  removeInvitation(frame.me);
  hideElsewhere();
  if (panel.call && panel.isCurrent(frame)) {
    // The socket reconnected: the peer connections carry on; only the participant list may differ.
    panel.resume(frame);
    return;
  }
  if (panel.call) teardownCall();
  panel.begin(frame);
  myRole = frame.role;
  $("chat-log").replaceChildren();
  const current = await panel.useMedia(frame, () => mediaPromise || getLocalMedia());
  mediaPromise = null;
  if (!current) return;
  // The connection first, then the page: the peer connection is ready when the citizen's offer comes,
  // and the call panel is drawn once the answer is out (drawing it held the answer back by 50–70 ms).
  panel.connect(frame);
  await panel.call.descriptionSent();
  if (!panel.isCurrent(frame)) return;

  showCallPanel(frame);
  renderParticipants(frame.participants);
  if (!panel.localStream) notice(L.no_media);
  panel.showLocal();
  updateControls().catch(() => {});
}

function teardownCall() {
  panel.teardown();
  myRole = null;
  $("participant-list").replaceChildren();
}

function endCall(message) {
  awaitingCallStart = false;
  const hadFocus = $("call-panel").contains(document.activeElement) || $("call-elsewhere").contains(document.activeElement);
  teardownCall();
  hideElsewhere();
  notice(message);
  if (hadFocus) $("main").focus();
}

// Another page of mine holds the call: this one lets go of its peer connections, camera and microphone
// (another page needs them now) and offers to take the call back. A page that has just opened takes a
// call that no open page holds (its page was closed) at once.
function showElsewhere(frame) {
  awaitingCallStart = false;
  window.clearTimeout(resyncTimer);
  removeInvitation(frame.participant);
  const hadFocus = $("call-panel").contains(document.activeElement);
  if (panel.call || panel.consultationId !== null) teardownCall();
  dropWarmMedia();
  elsewhereParticipant = frame.participant;
  const section = $("call-elsewhere");
  section.hidden = false;
  $("take-over-button").disabled = false;
  notice(L.elsewhere, $("call-elsewhere-text"));
  if (hadFocus) $("take-over-button").focus();
  if (!frame.held && socketOpens === 1) takeOver();
}

function hideElsewhere() {
  elsewhereParticipant = null;
  takingOver = false;
  $("call-elsewhere").hidden = true;
  notice("", $("call-elsewhere-text"));
}

function takeOver() {
  if (elsewhereParticipant === null) return;
  if (socket.send({ type: "call.take_over", participant: elsewhereParticipant })) {
    takingOver = true;
    $("take-over-button").disabled = true;
    warmMedia();
  } else {
    notice(L.connection_lost);
  }
}

$("take-over-button").addEventListener("click", takeOver);

// --- call controls ---------------------------------------------------------------------------------

$("switch-camera-button").addEventListener("click", async () => {
  const list = await cameras();
  if (list.length < 2 || !panel.cameraTrack) return;
  const index = list.findIndex((d) => d.deviceId === panel.cameraTrack.getSettings().deviceId);
  await panel.useCamera(list[(index + 1) % list.length].deviceId);
});

$("hangup-button").addEventListener("click", () => {
  if (socket.send({ type: "call.hangup" })) $("hangup-button").disabled = true;
  else notice(L.connection_lost);
});

// --- the action forms ------------------------------------------------------------------------------

// The forms whose success starts a call on this page (staff.forms.CallPageForm).
const CALL_FORMS = ["admit-next-form", "admit-form", "answer-form"];

async function post(form) {
  const body = new URLSearchParams(new FormData(form));
  if (CALL_FORMS.some((name) => form.classList.contains(name))) body.set("page", pageId);
  const response = await fetch(form.action, {
    method: "POST",
    headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    body,
    credentials: "same-origin",
  });
  try {
    return await response.json();
  } catch {
    return { ok: false, code: "internal", message: L.failed };
  }
}

function afterSuccess(form) {
  const section = form.closest("[data-office-id]");
  const office = section ? offices.get(Number(section.dataset.officeId)) : null;
  if (form.classList.contains("open-form") && office) {
    office.present = true;
    renderPresence(office);
    form.querySelector(".outside-hours-checkbox").checked = false;
    section.querySelector(".close-button").focus();
    updateTitle();
  } else if (form.classList.contains("close-form") && office) {
    office.present = false;
    renderPresence(office);
    section.querySelector(".open-button").focus();
    updateTitle();
  } else if (form.id === "availability-form") {
    if (me) me.availability = $("availability-select").value;
  } else if (form.classList.contains("answer-form")) {
    removeInvitation(Number(form.closest("[data-participant]").dataset.participant));
  } else if (form.id === "transfer-form") {
    $("transfer-note").value = "";
  }
}

// Closing would end the places of the people waiting: the server named their number; the official
// confirms it (sent back as confirm_waiting) or keeps the office open. The safe choice has the focus.
function askToClose(section, answer) {
  const box = section.querySelector(".close-confirm");
  box.querySelector(".close-confirm__text").textContent = answer.message;
  box.dataset.waiting = String(answer.waiting);
  box.hidden = false;
  box.querySelector(".close-cancel-button").focus();
}

function hideCloseQuestion(box, focusClose) {
  box.hidden = true;
  delete box.dataset.waiting;
  if (focusClose) box.closest("[data-office-id]").querySelector(".close-button").focus();
}

document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest(".close-confirm-button, .close-cancel-button") : null;
  if (!button) return;
  const box = button.closest(".close-confirm");
  const form = box.closest("[data-office-id]").querySelector(".close-form");
  if (button.classList.contains("close-confirm-button")) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = "confirm_waiting";
    input.value = box.dataset.waiting || "0";
    form.append(input);
    hideCloseQuestion(box, false);
    form.requestSubmit();
    input.remove();
  } else {
    hideCloseQuestion(box, true);
  }
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || !(event.target instanceof Element)) return;
  const box = event.target.closest(".close-confirm");
  if (box && !box.hidden) hideCloseQuestion(box, true);
});

function isActionForm(form) {
  // The language switch and logout (in the header) and the chat are not actions of the workspace.
  return form.method === "post" && Boolean(form.getAttribute("action")) && Boolean(form.closest("#main"));
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !isActionForm(form)) return;
  event.preventDefault();
  const admitting = form.classList.contains("admit-next-form") || form.classList.contains("admit-form");
  if (admitting) warmMedia();
  const section = form.closest("[data-office-id]");
  const messageBox = section ? section.querySelector(".office__message") : $("workspace-notice");
  const buttons = form.querySelectorAll("button[type=submit]");
  buttons.forEach((b) => { b.disabled = true; });
  notice("", messageBox);
  let answer;
  try {
    answer = await post(form);
  } catch {
    answer = { ok: false, code: "network", message: L.connection_lost };
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
  if (answer.ok) {
    afterSuccess(form);
    return;
  }
  if (admitting) dropWarmMedia();
  if (answer.code === "confirm_close" && section) {
    askToClose(section, answer);
    return;
  }
  notice(answer.message || L.failed, messageBox);
  if (answer.code === "outside_hours" && section) section.querySelector(".outside-hours-checkbox").focus();
  else if (form.id === "availability-form" && me) $("availability-select").value = me.availability;
});

$("availability-submit").hidden = true;
$("availability-select").addEventListener("change", () => $("availability-form").requestSubmit());

// --- the socket ------------------------------------------------------------------------------------

function onFrame(frame) {
  if (awaitingCallStart && !["call.start", "call.elsewhere", "snapshot"].includes(frame.type)) {
    awaitingCallStart = false;
    endCall(L.call_ended);
  }
  if (panel.takeFrame(frame)) return;
  switch (frame.type) {
    case "snapshot":
      applySnapshot(frame);
      break;
    case "office.state":
      applyOfficeState(frame);
      break;
    case "office.queue":
      applyOfficeQueue(frame);
      break;
    case "queue.connected":
      applyQueueConnected(frame);
      break;
    case "staff.me":
      applyMe(frame);
      break;
    case "colleague.invited":
      addInvitation(frame);
      alertPerson(L.invitation_title, fmt(L.invited, { by: frame.by, office: frame.office }));
      break;
    case "call.start":
      panel.watchStart(startCall(frame));
      break;
    case "call.elsewhere":
      showElsewhere(frame);
      break;
    case "call.ended":
      // A call that ended because someone's page was gone too long says so (labels ended_<reason>).
      if (frame.consultation === panel.consultationId || panel.consultationId === null) endCall(L[`ended_${frame.reason}`] || L.call_ended);
      break;
    case "error":
      notice(frame.message || L.failed);
      if (takingOver) {
        takingOver = false;
        $("take-over-button").disabled = false;
        dropWarmMedia();
      }
      if (frame.code === "ended" || frame.code === "not_in_call" || frame.code === "not_participant") endCall(L.call_ended);
      break;
    default:
      break;
  }
}

showSoundState();
unlockAudioOnGesture();
window.setInterval(refreshTimes, 30000);
refreshTimes();

const socketPath = `${config.ws}?page=${encodeURIComponent(pageId)}${previousPageId ? `&previous=${encodeURIComponent(previousPageId)}` : ""}`;
const socket = connect(socketPath, {
  onFrame,
  onOpen() {
    socketOpens += 1;
    notice("");
  },
  onClose(event, { final }) {
    if (!final) notice(L.connection_lost);
    // Closed because this session may no longer use the workspace (signed out, deactivated, session
    // ended): the page is reloaded, and the server shows the sign-in page or a fresh workspace. Only
    // after the socket had worked, so a page refused from the start cannot reload in a loop.
    if (event.code === 4403 && socketOpens > 0) window.location.reload();
  },
});
