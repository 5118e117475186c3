// The media of the room page: GroupMedia (./groupmedia.js, loaded when the page gets inside a live
// session), this member's microphone, camera and screen (the buttons and what is published), the
// speaking indicator, and the streams that the tiles and the stage show (./stage.js). Without
// groupmedia.js or without Janus the page says that video is not available, and everything else works.
// A moderator's mute holds until a moderator lifts it (the server and Janus enforce it; the page only
// explains why the button does nothing).

import { t } from "/static/core/i18n.js";
import { renderStage, renderTiles } from "./stage.js";

const $ = (id) => document.getElementById(id);

const NOT_AVAILABLE = () => t("Video is not available at the moment. You can follow the chat, raise your hand and answer presence checks.");

function isMediaFrame(frame) {
  return frame.type.startsWith("media.") || (frame.type === "error" && String(frame.code || "").startsWith("media"));
}

// state: the page's state (room, me, members, finished); cameraOff: the camera starts off (the room's
// config); send(frame): a button's frame (with a notice when the socket is away); sendMedia(frame):
// GroupMedia's signalling; setNotice(text).
export function createRoomMedia({ state, cameraOff, send, sendMedia, setNotice }) {
  let media = null; // the GroupMedia, once loaded and inside
  let tried = false;
  let pending = []; // media frames that came while ./groupmedia.js loaded; null once it is settled
  let publishing = false;
  let micOn = true;
  let cameraOn = !cameraOff;
  let screenOn = false;
  let levelTimer = null;
  let speaking = null; // the member heard loudest just now
  const streams = new Map(); // member id -> MediaStream (camera and microphone)
  const screens = new Map(); // member id -> MediaStream of a shared screen

  const mediaNotice = (text) => {
    $("media-notice").textContent = text;
  };

  function drawTiles() {
    renderTiles(state.members, streams, state.me ? state.me.id : null, speaking);
  }

  function drawStage() {
    renderStage(state.room, state.members, screens);
  }

  // True when the frame was a media frame: handed to GroupMedia, held until it has loaded, or dropped.
  function takeFrame(frame) {
    if (media && media.handleFrame(frame)) return true;
    if (!media && pending !== null && isMediaFrame(frame)) {
      pending.push(frame); // the media module is still loading: handed over once it is there
      return true;
    }
    return frame.type.startsWith("media.");
  }

  async function start() {
    if (tried || !state.room || state.room.state !== "live") return;
    tried = true;
    let GroupMedia = null;
    try {
      ({ GroupMedia } = await import("./groupmedia.js"));
    } catch {
      GroupMedia = null;
    }
    if (!GroupMedia || state.finished) {
      pending = null;
      mediaNotice(NOT_AVAILABLE());
      return;
    }
    try {
      media = new GroupMedia(sendMedia, {
        onRemoteStream(memberId, stream, kind) {
          (kind === "screen" ? screens : streams).set(Number(memberId), stream);
          drawTiles();
          if (kind === "screen") drawStage();
        },
        onRemoteGone(memberId) {
          streams.delete(Number(memberId));
          screens.delete(Number(memberId));
          drawTiles();
          drawStage();
        },
        onLocalStream(stream) {
          if (!state.me) return;
          if (stream) streams.set(state.me.id, stream);
          else streams.delete(state.me.id);
          drawTiles();
        },
        onError(message) {
          mediaNotice(message || t("Video is not available at the moment."));
        },
        onRefused(reason, message) {
          mediaNotice(message || NOT_AVAILABLE());
        },
      });
    } catch {
      media = null;
      pending = null;
      mediaNotice(t("Video is not available at the moment."));
      return;
    }
    mediaNotice("");
    const held = pending || [];
    pending = null;
    held.forEach((frame) => media.handleFrame(frame));
    syncPublishing();
    levelTimer = window.setInterval(updateLevels, 300);
  }

  function publish(options) {
    media.publish(options).catch(() => {
      mediaNotice(t("Your camera or microphone could not be started. Please check the permissions of your browser."));
    });
  }

  function syncPublishing() {
    if (!media || !state.me) return;
    if (state.me.may_publish && !publishing) {
      publishing = true;
      publish({ audio: micOn, video: cameraOn, screen: false });
      drawTiles();
    } else if (!state.me.may_publish && publishing) {
      publishing = false;
      screenOn = false;
      media.unpublish();
      if (state.me) streams.delete(state.me.id);
      drawTiles();
    } else if (publishing) {
      media.setMuted("audio", !micOn);
      media.setMuted("video", !cameraOn);
    }
  }

  function stop() {
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

  // The speaking indicator: the loudest member above a floor, from GroupMedia.levels() (member id -> 0..1).
  function updateLevels() {
    if (!media) return;
    let best = null;
    let loudest = 0.05;
    for (const [id, level] of Object.entries(media.levels())) {
      if (level > loudest) {
        loudest = level;
        best = Number(id);
      }
    }
    if (best !== speaking) {
      speaking = best;
      drawTiles();
    }
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

  // This member changed (`before`: as it was, null on the first snapshot): which buttons it has, what a
  // moderator turned off, whether it publishes.
  function applyMe(me, before) {
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
  window.addEventListener("pagehide", stop);
  renderToggles();

  return { takeFrame, start, stop, applyMe, drawTiles, drawStage, notice: mediaNotice };
}
