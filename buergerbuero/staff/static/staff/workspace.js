// The officials' workspace (one socket: /ws/staff/). The server draws the first state; from then on the
// page changes only on socket frames: `snapshot` replaces everything, deltas (`office.state`,
// `office.queue`, `queue.connected`, `staff.me`, `colleague.invited`, call frames) change parts.
//
// This module holds the page's state (offices, the official), its socket and its alerts; the parts are
// queue.js (the offices and their queues), invitations.js, consultation.js (the call and which page
// holds it) and forms.js (the action forms, sent with fetch).

import { askForNotifications, canAskForNotifications, notify, playChime, unlockAudioOnGesture } from "/static/core/alert.js";
import { setPressed } from "/static/core/callui.js";
import { fmt } from "/static/core/i18n.js";
import { newPageId } from "/static/core/pageid.js";
import { connect } from "/static/core/socket.js";
import { createConsultation } from "./consultation.js";
import { bindActionForms } from "./forms.js";
import { createInvitations } from "./invitations.js";
import { $, notice } from "./kit.js";
import { createOfficeList } from "./queue.js";

const config = JSON.parse($("workspace-config").textContent);
const L = config.labels;
const originalTitle = document.title;
const lang = document.documentElement.lang || "de";
const SOUND_KEY = "bb.staff.sound";

// --- which page holds the call -------------------------------------------------------------------
// Each page load has an id of its own, sent with the socket and with "admit" and "join"; a reloaded tab
// also sends the id of the page it showed before, so it gets its call back. That id waits in
// sessionStorage only while the page is being left: a duplicated tab copies sessionStorage and must not
// inherit it.
const PAGE_KEY = "bb.staff.page";

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

// --- state -----------------------------------------------------------------------------------------

const offices = new Map(); // id -> {id, name, slug, assigned, present, state, queue, seq}
const seen = new Map(); // office id -> Set of ticket ids already known (to tell newcomers)
let me = null;
let socket = null;
let socketOpens = 0;

const officeList = createOfficeList({ urls: config.urls, labels: L, lang });
const invitations = createInvitations({ answerUrl: config.urls.answer, labels: L });
const consultation = createConsultation({
  urls: config.urls,
  labels: L,
  send: (frame) => socket.send(frame),
  invitations,
  opens: () => socketOpens,
});

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
  if (!(consultation.inCall() || document.hidden)) return;
  if (soundOn()) playChime();
  notify(title, body);
}

function updateTitle() {
  let waiting = 0;
  for (const office of offices.values()) if (office.present) waiting += office.state?.waiting || 0;
  document.title = waiting > 0 ? `(${waiting}) ${fmt(L.waiting_title, { count: waiting })} – ${originalTitle}` : originalTitle;
}

function noteArrivals(office, initial) {
  const known = seen.get(office.id) || new Set();
  const fresh = office.queue.filter((entry) => !known.has(entry.ticket));
  seen.set(office.id, new Set(office.queue.map((entry) => entry.ticket)));
  if (!initial && fresh.length && office.present) {
    alertPerson(L.new_citizen, fmt(L.new_citizen_in, { office: office.name }));
  }
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
      officeList.renderPresence(office);
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
  officeList.placeOffices(offices);
  for (const office of offices.values()) {
    officeList.renderOffice(office);
    noteArrivals(office, !seen.has(office.id));
  }
  for (const id of [...seen.keys()]) if (!offices.has(id)) seen.delete(id);
  consultation.setTools(frame.transfer_targets, frame.colleagues);
  invitations.replace(frame.invitations);
  updateTitle();
  consultation.afterSnapshot(frame);
}

function applyOfficeState(frame) {
  const office = offices.get(frame.office);
  if (!office) return;
  office.state = { ...frame };
  delete office.state.type;
  officeList.renderOfficeState(office);
  updateTitle();
}

function applyOfficeQueue(frame) {
  const office = offices.get(frame.office);
  if (!office || frame.seq < office.seq) return;
  office.seq = frame.seq;
  office.queue = frame.entries;
  officeList.renderQueue(office);
  noteArrivals(office, false);
}

function applyQueueConnected(frame) {
  // A waiting citizen's page opened or closed its socket: only that entry's "page closed" mark changes.
  const office = offices.get(frame.office);
  const entry = office && office.queue.find((e) => e.ticket === frame.ticket);
  if (!entry) return;
  entry.connected = frame.connected;
  officeList.renderConnected(office, entry);
}

function onFrame(frame) {
  if (consultation.takeFrame(frame)) return;
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
      invitations.add(frame);
      alertPerson(L.invitation_title, fmt(L.invited, { by: frame.by, office: frame.office }));
      break;
    case "error":
      notice(frame.message || L.failed);
      consultation.onError(frame);
      break;
    default:
      break;
  }
}

// --- start -----------------------------------------------------------------------------------------

bindActionForms({
  pageId,
  csrf: config.csrf,
  labels: L,
  offices,
  getMe: () => me,
  officeList,
  invitations,
  consultation,
  updateTitle,
});

showSoundState();
unlockAudioOnGesture();
window.setInterval(officeList.refreshTimes, 30000);
officeList.refreshTimes();

const socketPath = `${config.ws}?page=${encodeURIComponent(pageId)}${previousPageId ? `&previous=${encodeURIComponent(previousPageId)}` : ""}`;
socket = connect(socketPath, {
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
