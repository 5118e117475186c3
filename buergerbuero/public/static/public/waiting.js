// The citizen's waiting page and, once an official lets them in, the consultation (one socket: /ws/ticket/).
// The server renders the first state; frames keep it current. The live region (#queue-status) is
// changed only when the position or the expected wait really change, so screen readers are not flooded.

import { canAskForNotifications, askForNotifications, notify, playChime, unlockAudioOnGesture } from "/static/core/alert.js";
import { CallPanel } from "/static/core/callui.js";
import { connect } from "/static/core/socket.js";
import { fmt, readConfig, t } from "/static/core/i18n.js";
import { fillSelect, getLocalMedia, listDevices, loadChoices, saveChoices, sinkSupported } from "/static/core/media.js";
import { newPageId } from "/static/core/pageid.js";
import { waitText } from "./waittime.js";

const config = readConfig("waiting-config");
const $ = (id) => document.getElementById(id);
let originalTitle = document.title;

let officeSlug = config.office_slug;
let ticketState = config.ticket_state;
let finished = false;
let connectedOnce = false;

let hangupTimer = null;

const url = (name) => config.urls[name].replace("__office__", officeSlug);

// --- waiting ---------------------------------------------------------------------------------------

function showPosition(position, seconds) {
  const line = $("position-line");
  let number = $("position");
  if (!number) {
    const [before, after] = t("You are number %(position)s in line").split("%(position)s");
    number = document.createElement("span");
    number.id = "position";
    line.replaceChildren(before || "", number, after || "");
  }
  if (number.textContent !== String(position)) number.textContent = String(position);
  const wait = $("expected-wait");
  const text = waitText(seconds);
  if (wait.textContent !== text) wait.textContent = text;
  $("waiting-actions").hidden = false;
  $("waiting-hint").hidden = false;
  if (position <= WARM_MEDIA_POSITION) warmMedia();
}

// Near the front of the line the page opens the camera and microphone chosen in the device check, so
// the call starts the moment the official lets the citizen in (a real camera takes up to a second to
// start). Nothing is sent before admission; the browser shows its usual camera indicator.
const WARM_MEDIA_POSITION = 2;
let mediaPromise = null;

function warmMedia() {
  if (!mediaPromise && !panel.localStream && !finished) mediaPromise = getLocalMedia(loadChoices());
}

function dropWarmMedia() {
  if (!mediaPromise) return;
  mediaPromise.then((stream) => stream && stream.getTracks().forEach((track) => track.stop()));
  mediaPromise = null;
}

function showStatus(text) {
  const line = $("position-line");
  if (line.textContent !== text || $("position")) line.textContent = text;
  $("expected-wait").textContent = "";
}

function notice(text) {
  const box = $("connection-notice");
  if (box.textContent !== text) box.textContent = text;
}

function finish(message, { officialMessage = "", next = "", book = "" } = {}) {
  if (finished) return;
  finished = true;
  teardownCall();
  socket.close();
  $("waiting-panel").hidden = true;
  $("call-panel").hidden = true;
  notice("");
  $("ended-office-link").href = url("office");
  $("ended-message").textContent = message;
  const quote = $("ended-official-message");
  quote.hidden = !officialMessage;
  quote.textContent = officialMessage ? `${t("Message from the office:")} ${officialMessage}` : "";
  const nextLine = $("ended-next");
  nextLine.hidden = !next;
  nextLine.textContent = next ? fmt(t("Next opening: %(when)s"), { when: next }) : "";
  $("ended-book").hidden = !book;
  if (book) $("ended-book-link").href = book;
  $("ended-panel").hidden = false;
  document.title = `${t("Your visit has ended")} – ${originalTitle}`;
  $("ended-heading").focus?.();
}

function goToThanks() {
  if (finished) return;
  finished = true;
  teardownCall();
  socket.close();
  window.location.assign(url("thanks"));
}

function applySnapshot(frame) {
  if (frame.office.slug !== officeSlug) {
    // Transferred: the socket followed the ticket to the other office; so do the heading, the title, the
    // links and the address bar (a reload then lands on the new office's waiting page directly).
    const oldName = $("office-name").textContent;
    originalTitle = originalTitle.replace(oldName, frame.office.name);
    document.title = document.title.replace(oldName, frame.office.name);
    officeSlug = frame.office.slug;
    window.history.replaceState(null, "", url("waiting"));
  }
  $("office-name").textContent = frame.office.name;
  $("leave-form").action = url("leave");
  $("ended-office-link").href = url("office");
  ticketState = frame.ticket.state;
  if (ticketState === "waiting") {
    showPosition(frame.position, frame.expected_wait_seconds);
    if (frame.ticket.returned) showBackInLine();
  } else if (!panel.call) {
    showStatus(t("An official is ready for you. Connecting …"));
  }
}

// The next opening of the office this page was rendered for (after a transfer the office page says it).
function nextOpening() {
  if (officeSlug !== config.office_slug) return "";
  const now = Date.now();
  const next = (config.next_openings || []).find((opening) => Date.parse(opening.at) > now);
  return next ? next.text : "";
}

// The booking page of the office this page was rendered for, if that office offers appointments.
function bookingLink() {
  return officeSlug === config.office_slug ? config.urls.book || "" : "";
}

function applyTicketState(frame) {
  const before = ticketState;
  ticketState = frame.state;
  switch (frame.reason) {
    case "admitted":
      showStatus(t("An official is ready for you. Connecting …"));
      break;
    case "joined":
      break;
    case "returned":
      teardownCall();
      backInLine = null;
      showBackInLine();
      break;
    case "official_gone":
    case "official_gone_alone":
      teardownCall();
      backInLine = frame.reason;
      showBackInLine();
      break;
    case "transferred":
      teardownCall();
      notice(t("You have been passed on to another office. Please keep waiting here."));
      break;
    case "declined":
      finish(t("The office could not take your request."), { officialMessage: frame.message });
      break;
    case "expired":
      finish(t("Your place in the waiting area has ended because this page was closed or offline for too long. You can enter the waiting area again while the office is open."));
      break;
    case "office_closed":
      finish(t("The office has closed. Your place in the waiting area has ended."), { next: nextOpening(), book: bookingLink() });
      break;
    case "left":
      if (before === "invited" || before === "in_consultation") goToThanks();
      else finish(t("You have left the waiting area."));
      break;
    case "done":
      goToThanks();
      break;
    default:
      break;
  }
}

// Why the citizen is first in line again: null (sent back by the official), or the official's page was
// gone for too long ("official_gone"; "official_gone_alone": nobody else attends the office just now).
let backInLine = null;

function showBackInLine() {
  if (!backInLine) {
    notice(t("You are back in the waiting area, first in line."));
    return;
  }
  const box = $("connection-notice");
  const text = document.createElement("span");
  if (backInLine === "official_gone") {
    text.textContent = t("The connection to the official was lost. You are back in the waiting area, first in line: the next free official will let you in.");
    box.replaceChildren(text);
    return;
  }
  text.textContent = `${t("The connection to the official was lost, and nobody else is attending this office at the moment. You stay first in line: if the official comes back, it is your turn. If the office closes, you will be told here.")} `;
  const book = bookingLink();
  if (!book) {
    box.replaceChildren(text);
    return;
  }
  const link = document.createElement("a");
  link.href = book;
  link.textContent = t("Book an appointment instead");
  box.replaceChildren(text, link);
}

// --- the consultation ------------------------------------------------------------------------------

const panel = new CallPanel({
  send: (frame) => socket.send(frame),
  notice,
  labels: {
    you: t("You"),
    peer: t("Office"),
    peerInText: t("the office"),
    videoOf: t("Video of %(name)s"),
    unstable: t("The video connection is unstable. Trying to reconnect …"),
    cameraFailed: t("This camera could not be started."),
    chatFailed: t("The message could not be sent. Please try again in a moment."),
    left: t("%(name)s has left the consultation."),
  },
  onRemoteVideo(video) {
    const { speakerId } = loadChoices();
    if (sinkSupported && speakerId && video.sinkId !== speakerId) video.setSinkId(speakerId).catch(() => {});
  },
});
panel.bindControls();

async function fillCameraSelect() {
  const cameras = await listDevices("videoinput");
  const select = $("device-select-camera");
  const current = panel.cameraTrack ? panel.cameraTrack.getSettings().deviceId : loadChoices().cameraId;
  fillSelect(select, cameras, current, t("Camera"));
  select.closest(".field").hidden = cameras.length < 2 || !panel.cameraTrack;
}

async function startCall(frame) {
  if (finished) return;
  if (panel.call && panel.isCurrent(frame)) {
    // A reconnect of the socket: the peer connections carry on; only the participant list may differ.
    panel.resume(frame);
    return;
  }
  panel.begin(frame);
  const current = await panel.useMedia(frame, () => mediaPromise || getLocalMedia(loadChoices()));
  mediaPromise = null;
  if (!current || finished) return;

  // The connection first: the offer is on its way before the page plays its sound and redraws (the
  // status line already says that the official is ready).
  panel.connect(frame, () => socket.send({ type: "call.join" }));
  await panel.call.descriptionSent();
  if (finished || !panel.isCurrent(frame)) return;

  $("call-panel").hidden = false;
  $("waiting-actions").hidden = true;
  $("waiting-hint").hidden = true;
  showStatus(t("You are in the consultation."));
  document.title = `${t("It is your turn")} – ${originalTitle}`;
  playChime();
  notify(t("It is your turn"), fmt(t("%(office)s is ready for you."), { office: frame.office || "" }));
  if (!panel.localStream) notice(t("Your camera and microphone are not available. You can still see and hear the office and use the chat."));
  panel.showLocal();
  panel.updateControls();
  fillCameraSelect().catch(() => {});
}

function teardownCall() {
  panel.teardown();
  window.clearTimeout(hangupTimer);
  dropWarmMedia();
  document.title = originalTitle;
}

// --- controls --------------------------------------------------------------------------------------

$("device-select-camera").addEventListener("change", (event) => {
  const deviceId = event.currentTarget.value;
  saveChoices({ cameraId: deviceId });
  panel.useCamera(deviceId);
});

$("hangup-button").addEventListener("click", () => {
  $("hangup-button").disabled = true;
  socket.send({ type: "call.hangup" });
  // Normally call.ended arrives at once; without the socket the page still moves on.
  hangupTimer = window.setTimeout(goToThanks, 5000);
});

const notifyButton = $("notify-button");
if (canAskForNotifications()) {
  notifyButton.hidden = false;
  notifyButton.addEventListener("click", async () => {
    const answer = await askForNotifications();
    notifyButton.hidden = true;
    notice(answer === "granted" ? t("You will get a notification when it is your turn.") : "");
  });
}

unlockAudioOnGesture();

// --- the socket ------------------------------------------------------------------------------------

function onFrame(frame) {
  if (panel.takeFrame(frame)) return;
  switch (frame.type) {
    case "snapshot":
      applySnapshot(frame);
      break;
    case "position":
      if (ticketState === "waiting") showPosition(frame.position, frame.expected_wait_seconds);
      break;
    case "ticket.state":
      applyTicketState(frame);
      break;
    case "office.state":
      // Carries this page's own position and expected wait while it waits (docs/architecture.md).
      if (ticketState === "waiting" && typeof frame.position === "number") {
        showPosition(frame.position, frame.my_expected_wait_seconds);
      }
      break;
    case "superseded":
      finished = true;
      teardownCall();
      socket.close();
      $("waiting-panel").hidden = true;
      showSuperseded();
      break;
    case "call.start":
      panel.watchStart(startCall(frame));
      break;
    case "call.ended":
      // Sent back, transferred, or the official's page was gone: the page goes on waiting.
      if (["sent_back", "transferred", "official_gone"].includes(frame.reason)) teardownCall();
      else if (!finished) goToThanks();
      else teardownCall();
      break;
    case "error":
      notice(frame.message || t("Something went wrong."));
      break;
    default:
      break;
  }
}

function showSuperseded() {
  const box = $("connection-notice");
  const text = document.createElement("span");
  text.textContent = `${t("Your place in the waiting area is now open in another tab or window. Please continue there.")} `;
  const again = document.createElement("a");
  again.href = window.location.href;
  again.textContent = t("Continue in this window instead");
  box.replaceChildren(text, again);
}

// This page load's own id: the server tells a reload (a new id, new peer connections) from a reconnect
// of the socket (the same id, the peer connections carry on), and the official's page connects afresh.
const pageId = newPageId();

const socket = connect(`${config.ws}${config.ws.includes("?") ? "&" : "?"}page=${encodeURIComponent(pageId)}`, {
  onFrame,
  onOpen() {
    if (connectedOnce) notice("");
    connectedOnce = true;
  },
  onClose(event, { final }) {
    if (finished) return;
    if (final && event.code === 4404) {
      // The ticket ended while the page was away; the server explains on reload.
      finished = true;
      window.location.reload();
    } else if (!final) {
      notice(t("The connection was interrupted. Reconnecting …"));
    }
  },
});
