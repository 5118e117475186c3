// The call panel of a consultation, shared by the citizen's page (public/waiting.js) and the officials'
// workspace (staff/workspace.js): this page's camera, microphone and screen; the controls (mute, camera
// off, switch camera, screen sharing, the sound of the others, chat); the local preview; a tile per
// remote participant; the chat log; and the call frames (`signal`, `call.participants`, `call.moved`,
// `call.ice`) around one core/call.js Call. The markup is core/templates/core/_call_panel.html; its ids
// are the contract. Hanging up, the panel's heading and what the page draws when a call starts stay in
// the page.
//
//   import { CallPanel } from "/static/core/callui.js";
//   const panel = new CallPanel({ send, notice, labels, onRemoteVideo, onParticipants });
//   panel.bindControls();
//   // the page's startCall, the network first (docs/architecture.md, "Media topology"):
//   panel.begin(frame);                       // call frames that arrive from now on wait for connect()
//   if (!(await panel.useMedia(frame, openMedia))) return;   // the call ended or moved meanwhile
//   panel.connect(frame, beforeStart);        // the Call: built, started, the waiting frames replayed
//   await panel.call.descriptionSent();
//   ...draw the panel...; panel.showLocal(); panel.updateControls();
//   panel.watchStart(startCall(frame));      // on `call.start`
//   if (panel.takeFrame(frame)) return;       // signal, call.participants, call.moved, call.ice, chat
//   panel.teardown();
//
// labels (translated by the page): you, peer (a remote participant without a name), peerInText (the
// same inside "Video of %(name)s"), videoOf, unstable, cameraFailed, chatFailed; optional: left
// ("%(name)s has left the consultation.").
// Invariants: this module owns the local tracks and stops them in teardown(); a camera switched during
// screen sharing is sent only when the sharing stops.

import { Call } from "/static/core/call.js";
import { fmt } from "/static/core/i18n.js";
import { openMedia } from "/static/core/media.js";

const $ = (id) => document.getElementById(id);

export function setPressed(button, pressed) {
  button.setAttribute("aria-pressed", pressed ? "true" : "false");
}

const isPressed = (button) => button.getAttribute("aria-pressed") === "true";

export class CallPanel {
  constructor({ send, notice, labels, onRemoteVideo = () => {}, onParticipants = () => {} }) {
    this.send = send;
    this.notice = notice;
    this.labels = labels;
    this.onRemoteVideo = onRemoteVideo;
    this.onParticipants = onParticipants;
    this.call = null;
    this.screenTrack = null;
    this.localStream = null;
    this._forget();
  }

  _forget() {
    this.consultationId = null;
    this.me = null;
    this.participants = [];
    this.starting = false;
    this.pending = [];
    this.cameraTrack = null;
  }

  // --- the call -----------------------------------------------------------------------------------

  begin(frame) {
    this.starting = true;
    this.consultationId = frame.consultation;
    this.me = frame.me;
    this.participants = frame.participants || [];
  }

  isCurrent(frame) {
    return this.consultationId === frame.consultation;
  }

  // The same call again (the socket reconnected): the peer connections carry on.
  resume(frame) {
    this.participants = frame.participants;
    this.call.updateParticipants(frame.participants);
    this.onParticipants(frame.participants);
  }

  // The camera and microphone for the call that begin() started (``open``: a function that returns a
  // MediaStream, null or a promise of one; not called when the page has them already). False, with the
  // new tracks stopped, when that call ended or moved to another window while they started.
  async useMedia(frame, open) {
    const stream = this.localStream || (await open());
    if (!this.isCurrent(frame)) {
      if (stream && stream !== this.localStream) stream.getTracks().forEach((track) => track.stop());
      return false;
    }
    this.localStream = stream;
    this.cameraTrack = stream ? stream.getVideoTracks()[0] || null : null;
    return true;
  }

  // `beforeStart` runs between building the Call and its first offer (the citizen's page announces
  // `call.join` there, so the server has it before the offer).
  connect(frame, beforeStart = () => {}) {
    if (this.call) this.call.hangup();
    this.call = new Call({
      send: this.send,
      localStream: this.localStream,
      onRemoteStream: (pid, stream, name) => this._showRemote(pid, stream, name),
      onPeerLeft: (pid) => this._removeTile(pid),
      onStateChange: (pid, state) => {
        if (state === "connected") this.notice("");
        else if (state === "disconnected" || state === "failed") this.notice(this.labels.unstable);
      },
    });
    beforeStart();
    this.call.start(frame);
    this.starting = false;
    const queued = this.pending;
    this.pending = [];
    queued.forEach((f) => this.handleFrame(f));
  }

  // The page's startCall(frame) promise: should it fail, frames no longer wait for its call.
  watchStart(starting) {
    starting.catch((error) => {
      console.error(error);
      this.starting = false;
    });
  }

  // The frames the panel handles by itself; true when `frame` was one of them.
  takeFrame(frame) {
    if (frame.type === "chat") {
      this.appendChat(frame);
      return true;
    }
    if (!["signal", "call.participants", "call.moved", "call.ice"].includes(frame.type)) return false;
    this.handleFrame(frame);
    return true;
  }

  handleFrame(frame) {
    if (this.starting) {
      this.pending.push(frame);
      return;
    }
    if (!this.call || (frame.consultation && frame.consultation !== this.consultationId)) return;
    if (frame.type === "signal") {
      this.call.handleSignal(frame);
    } else if (frame.type === "call.participants") {
      this._noticeLeft(frame.participants);
      this.participants = frame.participants;
      this.call.updateParticipants(frame.participants);
      this.onParticipants(frame.participants);
    } else if (frame.type === "call.ice") {
      this.call.updateIce(frame.ice);
    } else if (frame.type === "call.moved") {
      // That participant continues in another window: a new connection replaces the old one.
      this.call.updateParticipants(this.participants.filter((p) => p.id !== frame.participant));
      this.call.updateParticipants(this.participants);
    }
  }

  // Ends this page's part: peer connections, local tracks, tiles and the controls' state.
  teardown() {
    if (this.call) this.call.hangup();
    this.call = null;
    if (this.screenTrack) this.screenTrack.stop();
    this.screenTrack = null;
    if (this.localStream) this.localStream.getTracks().forEach((track) => track.stop());
    this.localStream = null;
    this._forget();
    for (const id of ["mute-button", "camera-button", "screen-button"]) setPressed($(id), false);
    $("remote-videos").replaceChildren();
    $("local-video").srcObject = null;
    $("unmute-remote-button").hidden = true;
    $("call-panel").hidden = true;
    delete document.body.dataset.callState;
  }

  // Someone who had joined is no longer in the call (left, or their page was gone for too long): say so,
  // as their tile disappears without a word otherwise. Only with a ``left`` label.
  _noticeLeft(participants) {
    if (!this.labels.left) return;
    const now = new Set(participants.map((p) => p.id));
    const gone = this.participants.filter((p) => p.joined && p.id !== this.me && !now.has(p.id));
    for (const p of gone) this.notice(fmt(this.labels.left, { name: p.name || this.labels.peerInText }));
  }

  // --- remote tiles and the local preview ----------------------------------------------------------

  _tile(pid, name) {
    let video = document.querySelector(`#remote-videos video[data-participant="${pid}"]`);
    if (video) return video;
    const figure = document.createElement("figure");
    figure.className = "tile";
    video = document.createElement("video");
    video.autoplay = true;
    video.playsInline = true;
    video.dataset.participant = String(pid);
    video.setAttribute("aria-label", fmt(this.labels.videoOf, { name: name || this.labels.peerInText }));
    const caption = document.createElement("figcaption");
    caption.textContent = name || this.labels.peer;
    figure.append(video, caption);
    $("remote-videos").append(figure);
    return video;
  }

  _showRemote(pid, stream, name) {
    const video = this._tile(pid, name);
    if (video.srcObject !== stream) video.srcObject = stream;
    this.onRemoteVideo(video);
    video.play().catch(() => {
      // Autoplay with sound was refused: show the picture muted and offer a button for the sound.
      video.muted = true;
      video.play().catch(() => {});
      $("unmute-remote-button").hidden = false;
    });
  }

  _removeTile(pid) {
    const video = document.querySelector(`#remote-videos video[data-participant="${pid}"]`);
    if (video) video.closest("figure").remove();
  }

  showLocal() {
    const video = $("local-video");
    const track = this.screenTrack || this.cameraTrack;
    video.srcObject = track ? new MediaStream([track]) : null;
    video.closest("figure").hidden = !track;
  }

  updateControls() {
    $("mute-button").disabled = !(this.localStream && this.localStream.getAudioTracks().length);
    $("camera-button").disabled = !this.cameraTrack;
    $("screen-button").hidden = !(navigator.mediaDevices && navigator.mediaDevices.getDisplayMedia);
  }

  // --- camera and screen ------------------------------------------------------------------------------

  // Replace the camera by another one; false (with a notice) when it cannot be started.
  async useCamera(deviceId) {
    try {
      const fresh = await openMedia({ cameraId: deviceId }, { audio: false, exact: true });
      const track = fresh.getVideoTracks()[0];
      if (this.cameraTrack) {
        if (this.localStream) this.localStream.removeTrack(this.cameraTrack);
        this.cameraTrack.stop();
      }
      this.cameraTrack = track;
      if (this.localStream) this.localStream.addTrack(track);
      track.enabled = !isPressed($("camera-button"));
      if (this.call && !this.screenTrack) await this.call.replaceVideoTrack(track);
      this.showLocal();
      return true;
    } catch {
      this.notice(this.labels.cameraFailed);
      return false;
    }
  }

  async startScreenShare() {
    let display;
    try {
      display = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch {
      return; // the person cancelled the browser's picker
    }
    this.screenTrack = display.getVideoTracks()[0];
    // The browser's own "stop sharing" ends the track.
    this.screenTrack.onended = () => this.stopScreenShare();
    // The button and the own preview change together, at once; the peers follow.
    setPressed($("screen-button"), true);
    this.showLocal();
    if (this.call) await this.call.replaceVideoTrack(this.screenTrack);
  }

  async stopScreenShare() {
    if (!this.screenTrack) return;
    this.screenTrack.onended = null;
    this.screenTrack.stop();
    this.screenTrack = null;
    setPressed($("screen-button"), false);
    this.showLocal();
    if (this.call) await this.call.replaceVideoTrack(this.cameraTrack);
  }

  // --- chat ---------------------------------------------------------------------------------------------

  appendChat(frame) {
    if (frame.consultation && frame.consultation !== this.consultationId) return;
    const log = $("chat-log");
    const line = document.createElement("p");
    const meta = document.createElement("span");
    meta.className = "chat__meta";
    const lang = document.documentElement.lang || undefined;
    const time = frame.at ? new Date(frame.at).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" }) : "";
    const who = frame.from === this.me ? this.labels.you : frame.name || this.labels.peer;
    meta.textContent = `${who}${time ? ` (${time})` : ""}: `;
    line.append(meta, document.createTextNode(frame.text));
    log.append(line);
    log.scrollTop = log.scrollHeight;
  }

  // --- the controls (once per page) ---------------------------------------------------------------------

  bindControls() {
    $("mute-button").addEventListener("click", (event) => {
      const muted = !isPressed(event.currentTarget);
      setPressed(event.currentTarget, muted);
      if (this.call) this.call.setAudioEnabled(!muted);
      else if (this.localStream) this.localStream.getAudioTracks().forEach((track) => { track.enabled = !muted; });
    });

    $("camera-button").addEventListener("click", (event) => {
      const off = !isPressed(event.currentTarget);
      setPressed(event.currentTarget, off);
      if (this.cameraTrack) this.cameraTrack.enabled = !off;
      if (this.call && !this.screenTrack) this.call.setVideoEnabled(!off);
    });

    $("screen-button").addEventListener("click", () => {
      const change = this.screenTrack ? this.stopScreenShare() : this.startScreenShare();
      change.catch((error) => console.warn("screen sharing", error));
    });

    $("unmute-remote-button").addEventListener("click", (event) => {
      for (const video of document.querySelectorAll("#remote-videos video")) {
        video.muted = false;
        video.play().catch(() => {});
      }
      event.currentTarget.hidden = true;
    });

    $("chat-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const input = $("chat-input");
      const text = input.value.trim();
      if (!text) return;
      if (this.send({ type: "chat", text })) input.value = "";
      else this.notice(this.labels.chatFailed);
    });
  }
}
