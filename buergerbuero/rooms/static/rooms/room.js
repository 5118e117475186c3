// The room page of a group session (training or event): one socket, /ws/room/<id>/ (docs/group-sessions.md).
//
// The server decides everything: which phase the page is in (waiting for the start, in the lobby,
// inside), who may publish, who is a moderator. The page draws the snapshot, applies the deltas, and
// sends one frame per button. Live regions: the hand queue, the lobby list, the chat log and the
// presence prompt.
//
// This module holds the page's state, its socket and its phases, and hands each frame to the part it
// concerns: people.js (participants, raised hands, lobby), chat.js, presence.js (presence checks) and
// roommedia.js (GroupMedia, the own microphone, camera and screen, tiles and stage).

import { fmt, t } from "/static/core/i18n.js";
import { connect } from "/static/core/socket.js";
import { createChat } from "./chat.js";
import { createPeople } from "./people.js";
import { createPresence } from "./presence.js";
import { createRoomMedia } from "./roommedia.js";

const $ = (id) => document.getElementById(id);
const config = JSON.parse($("room-config").textContent);

const state = {
  room: null,
  me: null,
  members: new Map(),
  hands: [],
  lobby: [],
  presence: null,
  // In a webinar the audience's pages list only the stage and themselves; ``audience`` is how many others
  // watch (null: the page lists everyone).
  audience: null,
  inside: false,
  finished: false,
};

let socket = null;

function send(frame) {
  if (!socket.send(frame)) setNotice(t("Not connected. Please wait a moment and try again."));
}

function setNotice(text) {
  $("connection-notice").textContent = text;
}

function isModerator() {
  return Boolean(state.me && state.me.moderator);
}

const people = createPeople({ state, send, isModerator });
const chat = createChat({ send, isModerator });
const presence = createPresence({ state, send, isModerator, setNotice });
const media = createRoomMedia({
  state,
  cameraOff: config.camera_off,
  send,
  sendMedia: (frame) => socket.send(frame),
  setNotice,
});

function closeText(code) {
  if (code === 4410) return t("This session has ended.");
  if (code === 4423) return t("This session is locked: nobody new may join. Please contact the organisers.");
  return t("You have no access to this session. Please open your personal link again.");
}

// --- phases ----------------------------------------------------------------------------------------------

function showWaiting(heading, text) {
  state.inside = false;
  $("room-panel").hidden = true;
  $("closed-panel").hidden = true;
  $("waiting-panel").hidden = false;
  $("waiting-heading").textContent = heading;
  $("waiting-text").textContent = text;
}

function showClosed(heading, message) {
  state.finished = true;
  state.inside = false;
  media.stop();
  presence.stopCountdown();
  socket.close();
  $("waiting-panel").hidden = true;
  $("room-panel").hidden = true;
  $("closed-panel").hidden = false;
  $("closed-heading").textContent = heading;
  $("closed-message").textContent = message;
  $("closed-heading").focus();
}

function startsText(room) {
  const parts = [];
  if (room.starts_at) {
    const when = new Date(room.starts_at).toLocaleString(document.documentElement.lang || undefined, {
      dateStyle: "full",
      timeStyle: "short",
    });
    parts.push(fmt(t("It starts at %(start)s."), { start: when }));
  }
  parts.push(t("Please keep this page open: it opens the session by itself when it starts."));
  return parts.join(" ");
}

// --- frames ------------------------------------------------------------------------------------------------

function handleFrame(frame) {
  if (media.takeFrame(frame)) return undefined;

  switch (frame.type) {
    case "room.snapshot":
      return applySnapshot(frame);
    case "room.scheduled":
      return showWaiting(t("The session has not started yet"), startsText(frame.room));
    case "room.lobby":
      return showWaiting(t("Waiting room"), t("Please wait: a moderator will let you in shortly."));
    case "room.admitted":
      return showWaiting(t("Joining the session"), t("You have been let in. Connecting …"));
    case "room.refused":
      return showClosed(t("You cannot take part"), frame.message);
    case "room.removed":
      return showClosed(t("You cannot take part"), frame.message);
    case "room.ended":
      return showClosed(t("The session has ended"), t("This session has ended. Thank you for taking part."));
    case "room.state":
      state.room = frame.room;
      return renderRoom();
    case "room.member":
      if ("audience" in frame) state.audience = frame.audience;
      return applyMember(frame.member);
    case "room.members":
      if ("audience" in frame) state.audience = frame.audience;
      state.members = new Map(frame.members.map((m) => [m.id, m]));
      if (state.me) applyMember(state.members.get(state.me.id) || state.me, false);
      return renderPeople();
    case "room.hands":
      state.hands = frame.hands;
      return people.renderHands();
    case "room.chat":
      return chat.add(frame.message);
    case "room.chat_deleted":
      return chat.remove(frame.message);
    case "room.stage":
      state.room.stage = frame.stage;
      return media.drawStage();
    case "room.lobby_list":
      state.lobby = frame.waiting;
      return people.renderLobby();
    case "room.presence_check":
      return presence.show({ check: frame.check, deadline: frame.deadline, seconds: frame.seconds, answered: false, answers: 0 });
    case "room.presence_answer":
      return presence.answered(frame);
    case "error":
      return showError(frame);
    default:
      return undefined;
  }
}

function showError(frame) {
  if (frame.code && frame.code.startsWith("media")) {
    media.notice(frame.message);
    return;
  }
  setNotice(frame.message);
}

function applySnapshot(frame) {
  state.inside = true;
  state.room = frame.room;
  state.me = frame.me;
  state.members = new Map(frame.members.map((m) => [m.id, m]));
  state.members.set(frame.me.id, frame.me);
  state.hands = frame.hands;
  state.lobby = frame.lobby || [];
  state.audience = "audience" in frame ? frame.audience : null;
  $("waiting-panel").hidden = true;
  $("closed-panel").hidden = true;
  $("room-panel").hidden = false;
  chat.replace(frame.chat);
  renderRoom();
  renderPeople();
  people.renderHands();
  people.renderLobby();
  media.drawStage();
  renderMe();
  if (frame.presence && !frame.presence.answered && !isModerator()) presence.show(frame.presence);
  else presence.hide();
  if (frame.presence && isModerator()) presence.showStatus(frame.presence);
  media.start();
}

function applyMember(member, redraw = true) {
  if (member.removed || member.hidden) state.members.delete(member.id);
  else state.members.set(member.id, member);
  if (state.me && member.id === state.me.id) {
    const before = state.me;
    state.me = member;
    renderMe(before);
  }
  if (redraw) {
    renderPeople();
    people.renderHands();
  }
}

// --- drawing -----------------------------------------------------------------------------------------------

function renderRoom() {
  const room = state.room;
  if (!room) return;
  const moderator = isModerator();
  $("moderation").hidden = !moderator;
  $("lobby-section").hidden = !moderator || !room.lobby;
  $("start-button").hidden = room.state !== "scheduled";
  const lock = $("lock-button");
  lock.setAttribute("aria-pressed", String(room.locked));
  lock.textContent = room.locked ? t("Unlock the session") : t("Lock the session");
  if (room.state === "scheduled") {
    media.notice(t("The session has not started yet. Start it when everyone is ready."));
  } else if (room.state === "live") {
    media.start();
  }
}

// The tiles carry the members' names, so they are drawn again with the list.
function renderPeople() {
  people.renderPeople();
  media.drawTiles();
}

function renderMe(before = null) {
  const me = state.me;
  if (!me) return;
  const hand = $("hand-button");
  const raised = Boolean(me.hand_raised_at);
  hand.setAttribute("aria-pressed", String(raised));
  hand.textContent = raised ? t("Lower hand") : t("Raise hand");
  hand.hidden = me.moderator;
  media.applyMe(me, before);
}

// --- the hand and the moderation panel ---------------------------------------------------------------------

$("hand-button").addEventListener("click", () => {
  const raised = state.me && state.me.hand_raised_at;
  send(raised ? { type: "hand.lower" } : { type: "hand.raise" });
});
$("start-button").addEventListener("click", () => send({ type: "room.start" }));
$("end-button").addEventListener("click", () => {
  if (window.confirm(t("End the session for everyone?"))) send({ type: "room.end" });
});
$("lock-button").addEventListener("click", () => send({ type: "room.lock", locked: !state.room.locked }));
$("mute-all-button").addEventListener("click", () => send({ type: "members.mute_all" }));
$("lower-hands-button").addEventListener("click", () => send({ type: "hands.lower_all" }));
$("stage-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const url = $("stage-url").value.trim();
  if (!url) return;
  const stage = { kind: "material", url };
  const title = $("stage-title-input").value.trim();
  if (title) stage.title = title;
  send({ type: "stage.set", stage });
});
$("stage-clear-button").addEventListener("click", () => send({ type: "stage.set", stage: {} }));

// --- the socket --------------------------------------------------------------------------------------------

socket = connect(config.socket, {
  onFrame: handleFrame,
  onOpen: () => setNotice(""),
  onClose: (event, { final }) => {
    if (state.finished) return;
    if (final) {
      showClosed(t("You cannot take part"), closeText(event.code));
    } else {
      setNotice(t("The connection was interrupted. Reconnecting …"));
    }
  },
  finalCodes: [4403, 4404, 4410, 4423],
});
