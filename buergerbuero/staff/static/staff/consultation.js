// The official's consultation on the workspace: the call panel (core/callui.js) with the workspace's own
// tools (send back, transfer, invite a colleague: staff/_call_tools.html), and which page holds the call.
//
// Exactly one page of an official runs the call (docs/architecture.md, "One page holds the call"). A
// page that gets `call.elsewhere` lets go of its peer connections, camera and microphone (another page
// needs them now) and offers to take the call back; a page that has just opened takes a call that no
// open page holds (its page was closed) at once. A snapshot names the consultation that runs; the server
// sends its `call.start` (or `call.elsewhere`) right after it.

import { CallPanel } from "/static/core/callui.js";
import { getLocalMedia, listDevices } from "/static/core/media.js";
import { $, notice, withId } from "./kit.js";

// urls: the config's action URLs (send_back, transfer, invite); labels: the page's texts; send(frame):
// the socket's send (false when it is not open); invitations: invitations.js; opens(): how often the
// socket has opened so far.
export function createConsultation({ urls, labels: L, send, invitations, opens }) {
  let myRole = null;
  let callOffice = "";
  let awaitingCallStart = false;
  // The participant whose call another page of mine holds (call.elsewhere), or null.
  let elsewhereParticipant = null;
  let takingOver = false;
  let transferTargets = [];
  let colleagues = [];

  const panel = new CallPanel({
    send,
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

  // The official has no device check: the browser's default camera and microphone.
  const openMedia = () => getLocalMedia({});

  // Letting someone in also opens the camera and microphone at once, in parallel with the request, so the
  // call starts as soon as the server answers. If the admission fails, they are closed again.
  let mediaPromise = null;

  function warmMedia() {
    if (!mediaPromise && !panel.localStream) mediaPromise = openMedia();
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

  // --- the selects of the call tools ---------------------------------------------------------------

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

  // The offices one may transfer to and the colleagues one may invite (from a snapshot).
  function setTools(targets, people) {
    transferTargets = targets;
    colleagues = people;
    fillCallTools();
  }

  // --- starting and ending -------------------------------------------------------------------------

  async function updateControls() {
    panel.updateControls();
    $("switch-camera-button").hidden = !panel.cameraTrack || (await listDevices("videoinput")).length < 2;
  }

  function showCallPanel(frame) {
    callOffice = frame.office || "";
    $("call-office").textContent = callOffice;
    const official = myRole === "official";
    $("official-tools").hidden = !official;
    $("hangup-button").textContent = official ? L.end : L.leave;
    $("hangup-button").disabled = false;
    $("send-back-form").action = withId(urls.send_back, panel.consultationId);
    $("transfer-form").action = withId(urls.transfer, panel.consultationId);
    $("invite-form").action = withId(urls.invite, panel.consultationId);
    fillCallTools();
    $("call-panel").hidden = false;
  }

  async function startCall(frame) {
    awaitingCallStart = false;
    invitations.remove(frame.me);
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
    const current = await panel.useMedia(frame, () => mediaPromise || openMedia());
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

  // --- another page holds the call -----------------------------------------------------------------

  function showElsewhere(frame) {
    awaitingCallStart = false;
    invitations.remove(frame.participant);
    const hadFocus = $("call-panel").contains(document.activeElement);
    if (panel.call || panel.consultationId !== null) teardownCall();
    dropWarmMedia();
    elsewhereParticipant = frame.participant;
    const section = $("call-elsewhere");
    section.hidden = false;
    $("take-over-button").disabled = false;
    notice(L.elsewhere, $("call-elsewhere-text"));
    if (hadFocus) $("take-over-button").focus();
    if (!frame.held && opens() === 1) takeOver();
  }

  function hideElsewhere() {
    elsewhereParticipant = null;
    takingOver = false;
    $("call-elsewhere").hidden = true;
    notice("", $("call-elsewhere-text"));
  }

  function takeOver() {
    if (elsewhereParticipant === null) return;
    if (send({ type: "call.take_over", participant: elsewhereParticipant })) {
      takingOver = true;
      $("take-over-button").disabled = true;
      warmMedia();
    } else {
      notice(L.connection_lost);
    }
  }

  // --- frames --------------------------------------------------------------------------------------

  // After a snapshot, which names the consultation the official takes part in: while that is the call
  // this page shows, the call goes on, peer connections included, and its `call.start` (or
  // `call.elsewhere`) follows as the next frame, however long a busy server takes for it. Otherwise the
  // call ended while the socket was away.
  function afterSnapshot(snapshot) {
    if (!panel.call && elsewhereParticipant === null) return;
    const running = snapshot.consultation ?? null;
    awaitingCallStart = running !== null && (running === panel.consultationId || elsewhereParticipant !== null);
    if (!awaitingCallStart) endCall(L.call_ended);
  }

  // Every frame passes here first; true when it was one of the call's.
  function takeFrame(frame) {
    if (awaitingCallStart && !["call.start", "call.elsewhere", "snapshot"].includes(frame.type)) {
      awaitingCallStart = false;
      endCall(L.call_ended);
    }
    if (panel.takeFrame(frame)) return true;
    switch (frame.type) {
      case "call.start":
        panel.watchStart(startCall(frame));
        return true;
      case "call.elsewhere":
        showElsewhere(frame);
        return true;
      case "call.ended":
        // A call that ended because someone's page was gone too long says so (labels ended_<reason>).
        if (frame.consultation === panel.consultationId || panel.consultationId === null) endCall(L[`ended_${frame.reason}`] || L.call_ended);
        return true;
      default:
        return false;
    }
  }

  // An error frame (the page has shown its message): a refused take-over, or the call is gone.
  function onError(frame) {
    if (takingOver) {
      takingOver = false;
      $("take-over-button").disabled = false;
      dropWarmMedia();
    }
    if (frame.code === "ended" || frame.code === "not_in_call" || frame.code === "not_participant") endCall(L.call_ended);
  }

  // --- the controls --------------------------------------------------------------------------------

  $("take-over-button").addEventListener("click", takeOver);

  $("switch-camera-button").addEventListener("click", async () => {
    const list = await listDevices("videoinput");
    if (list.length < 2 || !panel.cameraTrack) return;
    const index = list.findIndex((d) => d.deviceId === panel.cameraTrack.getSettings().deviceId);
    await panel.useCamera(list[(index + 1) % list.length].deviceId);
  });

  $("hangup-button").addEventListener("click", () => {
    if (send({ type: "call.hangup" })) $("hangup-button").disabled = true;
    else notice(L.connection_lost);
  });

  return {
    inCall: () => Boolean(panel.call),
    setTools,
    afterSnapshot,
    takeFrame,
    onError,
    warmMedia,
    dropWarmMedia,
  };
}
