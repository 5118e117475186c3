// The room page of a group session (training or event): one socket, /ws/room/<id>/ (docs/group-sessions.md).
//
// The server decides everything: which phase the page is in (waiting for the start, in the lobby,
// inside), who may publish, who is a moderator. The page draws the snapshot, applies the deltas, and
// sends one frame per button. Media is H1's GroupMedia (./groupmedia.js), loaded when the page gets
// inside; without it (or without Janus) the page says that video is not available and everything else
// works. Live regions: the hand queue, the lobby list, the chat log and the presence prompt.

import { connect } from "/static/core/socket.js";

const t = (msgid) => (typeof window.gettext === "function" ? window.gettext(msgid) : msgid);
const fmt = (template, values) =>
  typeof window.interpolate === "function"
    ? window.interpolate(template, values, true)
    : template.replace(/%\((\w+)\)s/g, (_, key) => String(values[key]));

const $ = (id) => document.getElementById(id);
const config = JSON.parse($("room-config").textContent);

const ROLE_LABELS = {
  moderator: t("Moderator"),
  presenter: t("Presenter"),
  speaker: t("Speaker"),
  participant: t("Participant"),
  viewer: t("Viewer"),
};

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

let media = null; // the GroupMedia instance, once loaded and inside
let mediaTried = false;
let pendingMedia = []; // media frames that came while ./groupmedia.js loaded; null once it is settled

function isMediaFrame(frame) {
  return frame.type.startsWith("media.") || (frame.type === "error" && String(frame.code || "").startsWith("media"));
}
let publishing = false;
let micOn = true;
let cameraOn = !config.camera_off;
let screenOn = false;
let countdownTimer = null;
let levelTimer = null;
const streams = new Map(); // member id -> MediaStream (camera and microphone)
const screens = new Map(); // member id -> MediaStream of a shared screen

const socket = connect(config.socket, {
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

function send(frame) {
  if (!socket.send(frame)) setNotice(t("Not connected. Please wait a moment and try again."));
}

function setNotice(text) {
  $("connection-notice").textContent = text;
}

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
  stopMedia();
  stopCountdown();
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
  if (media && media.handleFrame(frame)) return;
  if (!media && pendingMedia !== null && isMediaFrame(frame)) {
    pendingMedia.push(frame); // the media module is still loading: handed over once it is there
    return;
  }
  if (frame.type.startsWith("media.")) return;

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
      return renderHands();
    case "room.chat":
      return addChat(frame.message);
    case "room.chat_deleted":
      return removeChat(frame.message);
    case "room.stage":
      state.room.stage = frame.stage;
      return renderStage();
    case "room.lobby_list":
      state.lobby = frame.waiting;
      return renderLobby();
    case "room.presence_check":
      return showPresence({ check: frame.check, deadline: frame.deadline, seconds: frame.seconds, answered: false, answers: 0 });
    case "room.presence_answer":
      return presenceAnswered(frame);
    case "error":
      return showError(frame);
    default:
      return undefined;
  }
}

function showError(frame) {
  if (frame.code && frame.code.startsWith("media")) {
    $("media-notice").textContent = frame.message;
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
  const log = $("chat-log");
  log.replaceChildren();
  frame.chat.forEach(addChat);
  renderRoom();
  renderPeople();
  renderHands();
  renderLobby();
  renderStage();
  renderMe();
  if (frame.presence && !frame.presence.answered && !isModerator()) showPresence(frame.presence);
  else hidePresence();
  if (frame.presence && isModerator()) showPresenceStatus(frame.presence);
  startMedia();
}

function isModerator() {
  return Boolean(state.me && state.me.moderator);
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
    renderHands();
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
    $("media-notice").textContent = t("The session has not started yet. Start it when everyone is ready.");
  } else if (room.state === "live" && !media) {
    startMedia();
  }
}

function renderMe(before = null) {
  const me = state.me;
  if (!me) return;
  const hand = $("hand-button");
  const raised = Boolean(me.hand_raised_at);
  hand.setAttribute("aria-pressed", String(raised));
  hand.textContent = raised ? t("Lower hand") : t("Raise hand");
  hand.hidden = me.moderator;
  const canPublish = me.may_publish;
  $("mic-button").hidden = !canPublish;
  $("camera-button").hidden = !canPublish;
  $("screen-button").hidden = !canPublish || !me.moderator;
  if (me.audio_muted && (!before || !before.audio_muted)) {
    micOn = false;
    setNotice(t("A moderator turned your microphone off."));
  }
  if (me.video_stopped && (!before || !before.video_stopped)) {
    cameraOn = false;
    setNotice(t("A moderator turned your camera off."));
  }
  if (before && !before.may_publish && canPublish) setNotice(t("You may speak now."));
  if (before && before.may_publish && !canPublish) setNotice(t("You may no longer speak."));
  renderToggles();
  syncPublishing();
}

function renderToggles() {
  const mic = $("mic-button");
  mic.setAttribute("aria-pressed", String(micOn));
  mic.textContent = micOn ? t("Microphone on") : t("Microphone off");
  const cam = $("camera-button");
  cam.setAttribute("aria-pressed", String(cameraOn));
  cam.textContent = cameraOn ? t("Camera on") : t("Camera off");
  const screen = $("screen-button");
  screen.setAttribute("aria-pressed", String(screenOn));
  screen.textContent = screenOn ? t("Stop sharing the screen") : t("Share screen");
}

function memberLabel(member) {
  const parts = [ROLE_LABELS[member.role] || member.role];
  if (member.is_hall) parts.push(t("meeting hall"));
  if (member.may_speak) parts.push(t("may speak"));
  if (member.audio_muted) parts.push(t("muted"));
  if (member.video_stopped) parts.push(t("video stopped"));
  if (!member.present) parts.push(t("not connected"));
  return parts.join(", ");
}

// A button whose visible label is short ("Mute"); the person it acts on is part of its name for screen
// readers, after the visible text (WCAG 2.5.3: the name contains the label).
function smallButton(label, whom, onClick, danger = false) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = danger ? "button button--danger button--small" : "button button--secondary button--small";
  button.textContent = label;
  if (whom) {
    const hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = " – " + whom;
    button.append(hidden);
  }
  button.addEventListener("click", onClick);
  return button;
}

function memberControls(member) {
  const row = document.createElement("div");
  row.className = "button-row room__member-controls";
  const name = member.name;
  const act = (type) => () => send({ type, member: member.id });
  if (!member.moderator) {
    const lift = (label, kind) => {
      const button = smallButton(label, name, () => send({ type: "member.unmute", member: member.id, kind }));
      button.dataset.lift = kind;
      return button;
    };
    if (member.audio_muted) {
      row.append(lift(t("Allow microphone"), "audio"));
    } else if (member.may_publish) {
      row.append(smallButton(t("Mute"), name, act("member.mute")));
    }
    if (member.video_stopped) {
      row.append(lift(t("Allow camera"), "video"));
    } else if (member.may_publish) {
      row.append(smallButton(t("Stop video"), name, act("member.stop_video")));
    }
    if (member.may_speak) {
      row.append(smallButton(t("Take back speaking"), name, act("speak.revoke")));
    } else if (!member.may_publish) {
      row.append(smallButton(t("Let speak"), name, act("speak.grant")));
    }
    if (member.role === "speaker") {
      row.append(smallButton(t("Make participant"), name, act("member.demote")));
    } else {
      row.append(smallButton(t("Make speaker"), name, act("member.promote")));
    }
    row.append(
      smallButton(
        t("Remove"),
        name,
        () => {
          if (window.confirm(fmt(t("Remove %(name)s? They cannot join again."), { name }))) act("member.remove")();
        },
        true,
      ),
    );
  }
  return row;
}

function renderPeople() {
  const list = $("people-list");
  const members = [...state.members.values()].sort(
    (a, b) => Number(b.moderator) - Number(a.moderator) || Number(b.is_hall) - Number(a.is_hall) || a.name.localeCompare(b.name),
  );
  list.replaceChildren(
    ...members.map((member) => {
      const li = document.createElement("li");
      li.dataset.member = String(member.id);
      const name = document.createElement("span");
      name.className = "room__name";
      name.textContent = member.name + (state.me && member.id === state.me.id ? " " + t("(you)") : "");
      const label = document.createElement("span");
      label.className = "room__role";
      label.textContent = memberLabel(member);
      li.append(name, " ", label);
      if (isModerator() && state.me && member.id !== state.me.id) li.append(memberControls(member));
      return li;
    }),
  );
  if (state.audience) {
    const more = document.createElement("li");
    more.className = "room__audience";
    more.textContent = fmt(t("and %(count)s more in the audience"), { count: state.audience });
    list.append(more);
  }
  $("people-count").textContent = String(members.length + (state.audience || 0));
  renderTiles();
}

function renderHands() {
  const list = $("hand-queue");
  const items = state.hands
    .map((id) => state.members.get(id))
    .filter(Boolean)
    .map((member) => {
      const li = document.createElement("li");
      li.dataset.member = String(member.id);
      const name = document.createElement("span");
      name.textContent = member.name;
      li.append(name);
      if (isModerator()) {
        const row = document.createElement("div");
        row.className = "button-row";
        row.append(
          smallButton(t("Let speak"), member.name, () => send({ type: "speak.grant", member: member.id })),
          smallButton(t("Lower hand"), member.name, () => send({ type: "hand.lower", member: member.id })),
        );
        li.append(row);
      }
      return li;
    });
  list.replaceChildren(...items);
  $("no-hands").hidden = items.length > 0;
}

function renderLobby() {
  const list = $("lobby-list");
  const items = state.lobby.map((entry) => {
    const li = document.createElement("li");
    li.dataset.member = String(entry.id);
    const name = document.createElement("span");
    name.textContent = entry.name;
    const row = document.createElement("div");
    row.className = "button-row";
    row.append(
      smallButton(t("Let in"), entry.name, () => send({ type: "lobby.admit", member: entry.id })),
      smallButton(t("Turn away"), entry.name, () => send({ type: "lobby.decline", member: entry.id }), true),
    );
    li.append(name, row);
    return li;
  });
  list.replaceChildren(...items);
  $("no-lobby").hidden = items.length > 0;
}

function renderStage() {
  const stage = (state.room && state.room.stage) || {};
  const box = $("stage");
  const body = $("stage-body");
  body.replaceChildren();
  if (!stage.kind) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  if (stage.kind === "screen") {
    const owner = state.members.get(stage.member);
    $("stage-title").textContent = owner ? fmt(t("%(name)s shares the screen"), { name: owner.name }) : t("Shared screen");
    const screen = screens.get(stage.member);
    if (screen) {
      const video = document.createElement("video");
      video.autoplay = true;
      video.playsInline = true;
      video.muted = true;
      video.srcObject = screen;
      video.setAttribute("aria-label", $("stage-title").textContent);
      body.append(video);
    }
    return;
  }
  $("stage-title").textContent = stage.title || t("Shown material");
  const url = stage.url;
  if (/\.(png|jpe?g|gif|webp|svg)(\?|$)/i.test(url)) {
    const img = document.createElement("img");
    img.src = url;
    img.alt = stage.title || t("Shown material");
    body.append(img);
  } else if (/\.(mp4|webm|ogv)(\?|$)/i.test(url)) {
    const video = document.createElement("video");
    video.src = url;
    video.controls = true;
    video.setAttribute("aria-label", stage.title || t("Shown material"));
    body.append(video);
  }
  const link = document.createElement("a");
  link.href = url;
  link.target = "_blank";
  link.rel = "noopener";
  link.textContent = t("Open the material in a new window");
  const p = document.createElement("p");
  p.append(link);
  body.append(p);
}

// Video tiles: the hall and the current speaker (the first speaking, else the first publishing
// moderator or presenter) come first and large.
function renderTiles() {
  const tiles = $("tiles");
  const members = [...state.members.values()].filter((m) => streams.has(m.id));
  const speaking = currentSpeaker();
  members.sort((a, b) => rank(b, speaking) - rank(a, speaking));
  const existing = new Map([...tiles.children].map((el) => [Number(el.dataset.member), el]));
  const ordered = members.map((member) => {
    let figure = existing.get(member.id);
    if (!figure) {
      figure = document.createElement("figure");
      figure.className = "tile room__tile";
      figure.dataset.member = String(member.id);
      const video = document.createElement("video");
      video.autoplay = true;
      video.playsInline = true;
      if (state.me && member.id === state.me.id) video.muted = true;
      const caption = document.createElement("figcaption");
      figure.append(video, caption);
    }
    const video = figure.querySelector("video");
    const stream = streams.get(member.id) || null;
    if (video.srcObject !== stream) video.srcObject = stream;
    figure.querySelector("figcaption").textContent = member.name + (member.is_hall ? " – " + t("meeting hall") : "");
    figure.classList.toggle("room__tile--prominent", rank(member, speaking) >= 2);
    figure.classList.toggle("room__tile--speaking", speaking === member.id);
    return figure;
  });
  tiles.replaceChildren(...ordered);
}

function rank(member, speaking) {
  if (member.is_hall) return 3;
  if (member.id === speaking) return 2;
  if (member.role === "presenter" || member.role === "moderator") return 1;
  return 0;
}

let lastSpeaker = null;
function currentSpeaker() {
  return lastSpeaker;
}

// --- chat ----------------------------------------------------------------------------------------------------

function addChat(message) {
  const li = document.createElement("p");
  li.className = "room__message";
  li.dataset.message = String(message.id);
  const who = document.createElement("strong");
  who.textContent = (message.name || t("A participant")) + ": ";
  const text = document.createElement("span");
  text.textContent = message.text;
  const time = document.createElement("time");
  time.dateTime = message.at;
  time.className = "room__time";
  time.textContent = " " + new Date(message.at).toLocaleTimeString(document.documentElement.lang || undefined, { timeStyle: "short" });
  li.append(who, text, time);
  if (isModerator()) {
    li.append(" ", smallButton(t("Delete"), message.name, () => send({ type: "chat.delete", message: message.id }), true));
  }
  const log = $("chat-log");
  log.append(li);
  log.scrollTop = log.scrollHeight;
}

function removeChat(id) {
  const li = $("chat-log").querySelector(`[data-message="${Number(id)}"]`);
  if (li) li.remove();
}

$("chat-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("chat-input");
  const text = input.value.trim();
  if (!text) return;
  send({ type: "chat.send", text });
  input.value = "";
  input.focus();
});

// --- hands, moderation -------------------------------------------------------------------------------------

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
$("presence-form").addEventListener("submit", (event) => {
  event.preventDefault();
  send({ type: "presence.start", seconds: Number($("presence-seconds").value) });
});
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

// --- presence checks ----------------------------------------------------------------------------------------

function showPresence(presence) {
  if (isModerator()) {
    showPresenceStatus(presence);
    return;
  }
  state.presence = presence;
  $("presence-prompt").hidden = false;
  $("presence-text").textContent = t("Please confirm that you are still following the session.");
  $("presence-button").focus();
  stopCountdown();
  const tick = () => {
    const left = Math.max(0, Math.round((new Date(presence.deadline).getTime() - Date.now()) / 1000));
    $("presence-countdown").textContent = fmt(t("%(seconds)s seconds left"), { seconds: left });
    if (left <= 0) {
      hidePresence();
      setNotice(t("The time to answer the presence check is over."));
    }
  };
  tick();
  countdownTimer = window.setInterval(tick, 1000);
}

function showPresenceStatus(presence) {
  state.presence = { ...presence, answers: presence.answers || 0 };
  $("presence-status").textContent = fmt(t("Presence check running: %(answers)s answers so far."), { answers: state.presence.answers });
}

function presenceAnswered(frame) {
  if (isModerator()) {
    if (state.presence && state.presence.check === frame.check) {
      state.presence.answers += 1;
      $("presence-status").textContent = fmt(t("Presence check running: %(answers)s answers so far."), { answers: state.presence.answers });
    }
    return;
  }
  if (state.me && frame.member === state.me.id) {
    hidePresence();
    setNotice(t("Thank you, your presence is confirmed."));
  }
}

function hidePresence() {
  stopCountdown();
  $("presence-prompt").hidden = true;
  state.presence = null;
}

function stopCountdown() {
  if (countdownTimer !== null) window.clearInterval(countdownTimer);
  countdownTimer = null;
}

$("presence-button").addEventListener("click", () => {
  if (state.presence) send({ type: "presence.answer", check: state.presence.check });
});

// --- media (./groupmedia.js, H1) --------------------------------------------------------------------------------

async function startMedia() {
  if (mediaTried || !state.room || state.room.state !== "live") return;
  mediaTried = true;
  let GroupMedia = null;
  try {
    const module = await import("./groupmedia.js");
    GroupMedia = module.GroupMedia || module.default || Object.values(module).find((v) => typeof v === "function");
  } catch {
    GroupMedia = null;
  }
  if (!GroupMedia || state.finished) {
    pendingMedia = null;
    $("media-notice").textContent = t("Video is not available at the moment. You can follow the chat, raise your hand and answer presence checks.");
    return;
  }
  try {
    media = new GroupMedia((frame) => socket.send(frame), {
      onRemoteStream(memberId, stream, kind) {
        (kind === "screen" ? screens : streams).set(Number(memberId), stream);
        renderTiles();
        if (kind === "screen") renderStage();
      },
      onRemoteGone(memberId) {
        streams.delete(Number(memberId));
        screens.delete(Number(memberId));
        renderTiles();
        renderStage();
      },
      onLocalStream(stream) {
        if (!state.me) return;
        if (stream) streams.set(state.me.id, stream);
        else streams.delete(state.me.id);
        renderTiles();
      },
      onError(message) {
        $("media-notice").textContent = message || t("Video is not available at the moment.");
      },
      onRefused(reason, message) {
        $("media-notice").textContent = message || t("Video is not available at the moment. You can follow the chat, raise your hand and answer presence checks.");
      },
    });
  } catch {
    media = null;
    pendingMedia = null;
    $("media-notice").textContent = t("Video is not available at the moment.");
    return;
  }
  $("media-notice").textContent = "";
  const held = pendingMedia || [];
  pendingMedia = null;
  held.forEach((frame) => media.handleFrame(frame));
  syncPublishing();
  if (typeof media.levels === "function") levelTimer = window.setInterval(updateLevels, 300);
}

function syncPublishing() {
  if (!media || !state.me) return;
  if (state.me.may_publish && !publishing) {
    publishing = true;
    publish({ audio: micOn, video: cameraOn, screen: false });
    renderTiles();
  } else if (!state.me.may_publish && publishing) {
    publishing = false;
    screenOn = false;
    media.unpublish();
    if (state.me) streams.delete(state.me.id);
    renderTiles();
  } else if (publishing && typeof media.setMuted === "function") {
    media.setMuted("audio", !micOn);
    media.setMuted("video", !cameraOn);
  }
}

function publish(options) {
  Promise.resolve(media.publish(options)).catch(() => {
    $("media-notice").textContent = t("Your camera or microphone could not be started. Please check the permissions of your browser.");
  });
}

function stopMedia() {
  if (levelTimer !== null) window.clearInterval(levelTimer);
  levelTimer = null;
  if (media) {
    try {
      media.close();
    } catch {
      // the page is going away anyway
    }
  }
  media = null;
  publishing = false;
}

// A speaking indicator from GroupMedia.levels(): a Map or an object of member id -> level (0..1).
function updateLevels() {
  if (!media) return;
  let levels = media.levels();
  if (!levels) return;
  if (!(levels instanceof Map)) levels = new Map(Object.entries(levels));
  let best = null;
  let loudest = 0.05;
  for (const [id, level] of levels) {
    if (level > loudest) {
      loudest = level;
      best = Number(id);
    }
  }
  if (best !== lastSpeaker) {
    lastSpeaker = best;
    renderTiles();
  }
}

// A moderator's mute holds until a moderator lifts it (the server and Janus enforce it; the page only
// explains why the button does nothing).
$("mic-button").addEventListener("click", () => {
  if (!micOn && state.me && state.me.audio_muted) {
    setNotice(t("A moderator turned your microphone off. Only a moderator can turn it on again."));
    return;
  }
  micOn = !micOn;
  renderToggles();
  syncPublishing();
});
$("camera-button").addEventListener("click", () => {
  if (!cameraOn && state.me && state.me.video_stopped) {
    setNotice(t("A moderator turned your camera off. Only a moderator can turn it on again."));
    return;
  }
  cameraOn = !cameraOn;
  renderToggles();
  syncPublishing();
});
$("screen-button").addEventListener("click", () => {
  if (!media) return;
  screenOn = !screenOn;
  publish({ audio: micOn, video: cameraOn, screen: screenOn });
  send({ type: "stage.set", stage: screenOn ? { kind: "screen" } : {} });
  renderToggles();
});

window.addEventListener("pagehide", stopMedia);
renderToggles();
