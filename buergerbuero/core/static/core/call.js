// The WebRTC mesh of a consultation, shared by the citizen's page and the officials' workspace.
//
//   import { Call } from "/static/core/call.js";
//   const call = new Call({
//     send,                                   // (frame) => void, e.g. the page socket's send
//     localStream,                            // MediaStream or null (no camera/microphone)
//     onRemoteStream: (pid, stream, name) => {},  // called whenever a peer's media arrives/changes
//     onPeerLeft: (pid) => {},
//     onStateChange: (pid, state) => {},      // RTCPeerConnection.connectionState
//   });
//   call.start(callStartFrame);        // {me, participants: [{id, role, name, joined}], ice: {iceServers, iceTransportPolicy}}
//   call.updateParticipants(list);     // from `call.participants`
//   call.handleSignal(frame);          // from `signal` {from, description|candidate}
//   call.updateIce(ice);               // from `call.ice`: fresh TURN credentials for every connection
//   await call.replaceVideoTrack(track); call.setAudioEnabled(b); call.setVideoEnabled(b);
//   await call.descriptionSent();      // the first offer/answer is out (or 250 ms passed): time to redraw
//   call.hangup();                     // closes all peer connections (onPeerLeft for each; local tracks stay with the caller)
//   call.peers                         // Map participantId -> RTCPeerConnection
//
// One RTCPeerConnection per other joined participant (and the admitted citizen), negotiated with the "perfect negotiation"
// pattern (MDN): the participant with the higher id is polite, so two offers that cross cannot glare.
// The higher id (who joined later) offers at once, without waiting for the `negotiationneeded` task;
// the other side builds its connection at the same moment but holds back its own offer for a while, so
// the first offer finds everything ready and is answered straight away.
// A camera of more than VGA size starts sending at VGA and goes up to full size once connected: WebRTC
// starts every call at a low bit rate, and a larger first frame is dropped again and again until the
// encoder has scaled down (measured: 280 ms instead of 125 ms to the first frame for 1280 × 720).
// The server relays signals only between joined participants of the same running consultation.
// Invariants: signals of one peer are handled strictly in order (a promise chain per peer); the
// caller owns the local tracks (hangup does not stop them).

// How long the earlier participant waits for the later one's first offer before offering itself.
const OFFER_WAIT_MS = 1500;
// The width a camera starts sending at, and how long after connecting it goes up to its full size.
const START_WIDTH = 640;
const FULL_SIZE_AFTER_MS = 3000;

export class Call {
  constructor({ send, localStream = null, onRemoteStream = () => {}, onPeerLeft = () => {}, onStateChange = () => {} }) {
    this.send = send;
    this.localStream = localStream;
    this.onRemoteStream = onRemoteStream;
    this.onPeerLeft = onPeerLeft;
    this.onStateChange = onStateChange;
    this.peers = new Map();
    this.me = null;
    this.ice = {};
    this.names = new Map();
    this._peerState = new Map();
    this._offerTimers = new Map();
    this._descriptionSent = false;
    this._sentWaiters = [];
    this._videoTrack = localStream ? localStream.getVideoTracks()[0] || null : null;
    window.bbCall = this;
  }

  start(frame) {
    this.hangup();
    this.me = frame.me;
    this.ice = frame.ice || {};
    window.bbCall = this;
    this.updateParticipants(frame.participants || []);
  }

  updateParticipants(list) {
    const wanted = new Set();
    for (const p of list) {
      this.names.set(p.id, p.name || "");
      // The admitted citizen takes part from admission on, even before the server records the join.
      if (p.id === this.me || !(p.joined || p.role === "citizen")) continue;
      wanted.add(p.id);
      if (this.peers.has(p.id) || this._offerTimers.has(p.id)) continue;
      if (this.me > p.id) {
        // The later participant (higher id) makes the first offer at once. The earlier one waits for
        // it, so the two offers never cross (a crossing costs a rollback and a round trip); if none comes
        // it offers itself, and perfect negotiation still resolves any collision.
        this._offer(p.id, this._createPeer(p.id));
      } else {
        this._createPeer(p.id, { awaitOffer: true });
        this._offerTimers.set(
          p.id,
          setTimeout(() => {
            this._offerTimers.delete(p.id);
            const st = this._peerState.get(p.id);
            if (st && st.awaitOffer) {
              st.awaitOffer = false;
              this._offer(p.id, this.peers.get(p.id));
            }
          }, OFFER_WAIT_MS),
        );
      }
    }
    for (const pid of [...this.peers.keys()]) {
      if (!wanted.has(pid)) this._closePeer(pid);
    }
    for (const pid of [...this._offerTimers.keys()]) {
      if (!wanted.has(pid)) this._clearOfferTimer(pid);
    }
  }

  // Fresh ICE servers (the server renews the short-lived TURN credentials while the call runs): for the
  // connections made from now on and for the running ones, whose next ICE restart allocates with them.
  updateIce(ice) {
    if (!ice) return;
    this.ice = ice;
    for (const pc of this.peers.values()) {
      if (pc.signalingState === "closed") continue;
      try {
        pc.setConfiguration(ice);
      } catch (error) {
        console.warn("new ICE servers", error);
      }
    }
  }

  handleSignal(frame) {
    const pid = frame.from;
    if (!this.peers.has(pid)) {
      // The expected first offer of a later participant (see updateParticipants); it may also have
      // overtaken the participants frame.
      if (!frame.description) return;
      this._clearOfferTimer(pid);
      this._createPeer(pid);
    }
    const st = this._peerState.get(pid);
    st.chain = st.chain
      .then(() => this._applySignal(pid, frame))
      .catch((error) => console.warn("signal from", pid, error));
  }

  async replaceVideoTrack(track) {
    this._videoTrack = track || null;
    const jobs = [];
    for (const pc of this.peers.values()) {
      const transceiver = this._videoTransceiver(pc);
      if (!transceiver) continue;
      if (track && (transceiver.direction === "recvonly" || transceiver.direction === "inactive")) {
        // The peer was created without a camera: start sending (renegotiates on its own).
        transceiver.direction = "sendrecv";
      }
      jobs.push(transceiver.sender.replaceTrack(track || null));
    }
    await Promise.all(jobs);
  }

  setAudioEnabled(enabled) {
    if (!this.localStream) return;
    for (const track of this.localStream.getAudioTracks()) track.enabled = enabled;
  }

  setVideoEnabled(enabled) {
    if (this._videoTrack) this._videoTrack.enabled = enabled;
    if (this.localStream) for (const track of this.localStream.getVideoTracks()) track.enabled = enabled;
  }

  hangup() {
    for (const pid of [...this._offerTimers.keys()]) this._clearOfferTimer(pid);
    for (const pid of [...this.peers.keys()]) this._closePeer(pid);
    delete document.body.dataset.callState;
  }

  // --- internals ----------------------------------------------------------------------------------

  _createPeer(pid, { awaitOffer = false } = {}) {
    const pc = new RTCPeerConnection(this.ice);
    const st = {
      polite: this.me > pid,
      awaitOffer,
      makingOffer: false,
      ignoreOffer: false,
      isSettingRemoteAnswerPending: false,
      stream: new MediaStream(),
      chain: Promise.resolve(),
      applying: false,
      pendingStream: null,
    };
    this.peers.set(pid, pc);
    this._peerState.set(pid, st);

    const audioTracks = this.localStream ? this.localStream.getAudioTracks() : [];
    const sendStream = new MediaStream([...audioTracks, ...(this._videoTrack ? [this._videoTrack] : [])]);
    for (const track of sendStream.getTracks()) {
      const sender = pc.addTrack(track, sendStream);
      if (track.kind === "video") this._startSmall(pc, sender);
    }
    // Without our own microphone or camera we still want to hear and see the other side.
    if (!audioTracks.length) pc.addTransceiver("audio", { direction: "recvonly" });
    if (!this._videoTrack) pc.addTransceiver("video", { direction: "recvonly" });

    pc.addEventListener("track", ({ track, streams }) => {
      const stream = streams && streams[0] ? streams[0] : st.stream;
      if (stream === st.stream && !st.stream.getTracks().includes(track)) st.stream.addTrack(track);
      // While a description is applied, the page waits: the answer goes out before the page redraws.
      if (st.applying) st.pendingStream = stream;
      else this.onRemoteStream(pid, stream, this.names.get(pid) || "");
    });

    pc.addEventListener("negotiationneeded", () => {
      // Held back while the other side's first offer is expected (see updateParticipants).
      if (!st.awaitOffer && !st.makingOffer) this._offer(pid, pc);
    });

    pc.addEventListener("icecandidate", ({ candidate }) => {
      if (candidate) this.send({ type: "signal", to: pid, candidate: candidate.toJSON() });
    });

    pc.addEventListener("iceconnectionstatechange", () => {
      if (pc.iceConnectionState === "failed") pc.restartIce();
    });

    pc.addEventListener("connectionstatechange", () => {
      if (pc.connectionState === "connected") {
        document.body.dataset.callState = "connected";
        setTimeout(() => this._fullSize(pc), FULL_SIZE_AFTER_MS);
      }
      this.onStateChange(pid, pc.connectionState);
    });
    return pc;
  }

  async _applySignal(pid, { description, candidate }) {
    const pc = this.peers.get(pid);
    const st = this._peerState.get(pid);
    if (!pc || !st || pc.signalingState === "closed") return;
    if (description) {
      const readyForOffer = !st.makingOffer && (pc.signalingState === "stable" || st.isSettingRemoteAnswerPending);
      const offerCollision = description.type === "offer" && !readyForOffer;
      st.ignoreOffer = !st.polite && offerCollision;
      if (st.ignoreOffer) return;
      if (description.type === "offer") {
        st.awaitOffer = false;
        this._clearOfferTimer(pid);
      }
      st.isSettingRemoteAnswerPending = description.type === "answer";
      st.applying = true;
      try {
        await pc.setRemoteDescription(description);
        st.isSettingRemoteAnswerPending = false;
        if (description.type === "offer") {
          await pc.setLocalDescription();
          this._sendDescription(pid, pc.localDescription);
        }
      } finally {
        st.isSettingRemoteAnswerPending = false;
        st.applying = false;
        const stream = st.pendingStream;
        st.pendingStream = null;
        if (stream && this.peers.get(pid) === pc) this.onRemoteStream(pid, stream, this.names.get(pid) || "");
      }
    } else if (candidate) {
      try {
        await pc.addIceCandidate(candidate);
      } catch (error) {
        if (!st.ignoreOffer) throw error;
      }
    }
  }

  _clearOfferTimer(pid) {
    clearTimeout(this._offerTimers.get(pid));
    this._offerTimers.delete(pid);
  }

  async _offer(pid, pc) {
    const st = this._peerState.get(pid);
    if (!st || st.makingOffer || pc.signalingState === "closed") return;
    try {
      st.makingOffer = true;
      await pc.setLocalDescription();
      this._sendDescription(pid, pc.localDescription);
    } catch (error) {
      console.warn("negotiation with", pid, error);
    } finally {
      st.makingOffer = false;
    }
  }

  // Start a large camera at START_WIDTH (see the top of this file).
  _startSmall(pc, sender) {
    const width = sender.track.getSettings().width || 0;
    if (width <= START_WIDTH) return;
    const parameters = sender.getParameters();
    if (!parameters.encodings || !parameters.encodings.length) parameters.encodings = [{}];
    parameters.encodings[0].scaleResolutionDownBy = width / START_WIDTH;
    sender.setParameters(parameters).catch(() => {});
  }

  _fullSize(pc) {
    if (pc.signalingState === "closed") return;
    for (const sender of pc.getSenders()) {
      const parameters = sender.getParameters();
      const encoding = parameters.encodings && parameters.encodings[0];
      if (!encoding || !encoding.scaleResolutionDownBy || encoding.scaleResolutionDownBy === 1) continue;
      encoding.scaleResolutionDownBy = 1;
      sender.setParameters(parameters).catch(() => {});
    }
  }

  // Resolves once this page has sent its first session description, or after `ms`. A page puts off its
  // redrawing until then: the rendering of a call panel held the first offer back by 50–100 ms.
  descriptionSent(ms = 250) {
    if (this._descriptionSent) return Promise.resolve();
    return new Promise((resolve) => {
      this._sentWaiters.push(resolve);
      setTimeout(resolve, ms);
    });
  }

  _sendDescription(pid, description) {
    this._descriptionSent = true;
    for (const resolve of this._sentWaiters.splice(0)) resolve();
    this.send({ type: "signal", to: pid, description: { type: description.type, sdp: description.sdp } });
  }

  _videoTransceiver(pc) {
    return pc.getTransceivers().find(
      (t) => !t.stopped && ((t.sender.track && t.sender.track.kind === "video") || (t.receiver.track && t.receiver.track.kind === "video")),
    );
  }

  _closePeer(pid) {
    const pc = this.peers.get(pid);
    if (pc) {
      pc.close();
      this.peers.delete(pid);
    }
    this._peerState.delete(pid);
    this.onPeerLeft(pid);
    const anyConnected = [...this.peers.values()].some((p) => p.connectionState === "connected");
    if (!anyConnected) delete document.body.dataset.callState;
  }
}
