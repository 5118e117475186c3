// The media of a group session (training, event): one connection that publishes this member's camera,
// microphone and screen, one that receives everyone else's, both through our server to Janus
// (docs/group-sessions.md, "Signalling" has every frame).
//
//   import { GroupMedia } from "/static/rooms/groupmedia.js";
//   const media = new GroupMedia(send, {           // send: (frame) => void, the room socket's send
//     onRemoteStream: (memberId, stream, kind) => {},  // kind "camera" (audio + camera) or "screen"; again when it
//                                                      // changes; stream null when that kind ended (screen stopped)
//     onRemoteGone: (memberId) => {},                  // the member publishes nothing any more
//     onLocalStream: (stream) => {},                   // own preview (null when publishing stopped)
//     onError: (message) => {},                        // a translated message for the person
//     onPermissions: ({may_publish, audio_muted, video_stopped}) => {},
//     onFeeds: (memberIds) => {},                      // who publishes now (not this member)
//     onRefused: (reason) => {},                       // "not_allowed", "full", "replaced", "unavailable", ...
//   });
//   media.handleFrame(frame)          // true when the frame was a media frame (media.* or a media_* error)
//   await media.publish({audio: true, video: true, screen: false})   // again with other options to change them
//   media.unpublish()                 // stop publishing (local tracks stopped)
//   media.setMuted("audio" | "video", true | false)                   // the member's own mute
//   media.close()                     // explicit teardown: both connections closed, own tracks stopped
//   media.levels()                    // {memberId: audioLevel 0..1} of the members heard now (speaking indicator)
//   await media.stats()               // {memberId: {framesDecoded, videoPackets, audioPackets, audioLevel}} (tests)
//   media.permissions, media.feeds, media.publishing
//
// The server is the only signalling peer. This page always offers on its publisher connection and always
// answers on its subscriber connection, so the two sides cannot glare. Each connection applies its
// descriptions strictly in order (a promise chain), and a renegotiation that becomes needed while an
// offer is out is made after its answer ("perfect negotiation" reduced to a fixed offerer).
// `media.config` starts (or, after the server lost Janus, restarts) everything: old connections are
// closed, the subscription is asked for again and a publication the person had started is made again.
// In a large audience (a viewer, above the server's GROUP_STREAMING_ABOVE) the server sends one offer per
// publishing member instead (`media.offer` with `stream`: that member), each on a connection of its own
// that is answered once and closed when the member no longer publishes (`media.feeds`).
// Invariants: the page owns the tracks it got from getUserMedia/getDisplayMedia and stops them on
// unpublish/close; `member ids` are our server's member ids (the server never names Janus objects).
// This module holds the connections, their negotiation and teardown; what is sent (camera size,
// encodings, the publisher's transceivers) is in groupsend.js, and how the received tracks become one
// camera and one screen stream per member, and are measured, is in groupreceive.js.

import { openMedia } from "/static/core/media.js";
import { audioLevels, inboundStats, midsOf, updateRemoteStreams } from "./groupreceive.js";
import { CAMERA, outboundStats, syncSenders } from "./groupsend.js";

export class GroupMedia {
  constructor(send, callbacks = {}) {
    this.send = send;
    this.cb = {
      onRemoteStream: () => {},
      onRemoteGone: () => {},
      onLocalStream: () => {},
      onError: () => {},
      onPermissions: () => {},
      onFeeds: () => {},
      onRefused: () => {},
      ...callbacks,
    };
    this.rtcConfig = {};
    this.permissions = { may_publish: false, audio_muted: false, video_stopped: false };
    this.feeds = [];
    this.configured = false;
    this.closed = false;
    // Publishing: what the person asked for (kept across a restart), the connection and its tracks.
    this.wanted = null;
    this.pub = null;
    this.localStream = null;
    this.screenTrack = null;
    this.selfMuted = { audio: false, video: false };
    // Receiving: one connection, mid -> {member, kind}, and member -> {camera, screen} MediaStreams.
    this.sub = null;
    this.mids = new Map();
    this.remote = new Map();
    // In a large audience each publishing member comes on a connection of its own (a Streaming
    // mountpoint on the server): member -> {pc, chain, mids}.
    this.streamPcs = new Map();
    window.bbGroupMedia = this;
  }

  get publishing() {
    return Boolean(this.pub);
  }

  handleFrame(frame) {
    if (this.closed) return false;
    switch (frame.type) {
      case "media.config":
        this._configure(frame);
        return true;
      case "media.answer":
        this._publisherAnswer(frame.sdp);
        return true;
      case "media.offer":
        this._subscriberOffer(frame);
        return true;
      case "media.feeds":
        this.feeds = frame.feeds || [];
        for (const member of [...this.streamPcs.keys()]) {
          if (!this.feeds.includes(member)) this._closeStream(member);
        }
        if (this.streamPcs.size || this.remote.size) this._updateRemote();
        this.cb.onFeeds(this.feeds);
        return true;
      case "media.permissions":
        this._applyPermissions(frame);
        return true;
      case "media.refused":
        this._refused(frame);
        return true;
      case "error":
        if (typeof frame.code === "string" && frame.code.startsWith("media_")) {
          if (frame.code === "media_failed" && this.pub && this.pub.awaitingAnswer) this._closePublisher();
          this.cb.onError(frame.message || "");
          return true;
        }
        return false;
      default:
        return false;
    }
  }

  // --- publishing ---------------------------------------------------------------------------------

  async publish({ audio = true, video = true, screen = false } = {}) {
    this.wanted = { audio, video, screen };
    if (!this.configured || this.closed) return; // made once `media.config` arrives
    try {
      await this._ensureTracks(this.wanted);
    } catch (error) {
      this.wanted = null;
      this.cb.onError(String(error && error.message ? error.message : error));
      return;
    }
    if (!this.pub) this._createPublisher();
    else this._syncSenders();
    this._negotiatePublisher();
  }

  unpublish() {
    this.wanted = null;
    if (this.pub) this.send({ type: "media.unpublish" });
    this._closePublisher();
  }

  setMuted(kind, muted) {
    this.selfMuted[kind] = Boolean(muted);
    this._applyTrackState();
  }

  // --- receiving ----------------------------------------------------------------------------------

  levels() {
    return audioLevels(this._receivers());
  }

  async stats() {
    return inboundStats(this._receivers());
  }

  async publisherStats() {
    return outboundStats(this.pub);
  }

  close() {
    this.closed = true;
    this.wanted = null;
    this._closePublisher();
    this._closeSubscriber();
    if (window.bbGroupMedia === this) delete window.bbGroupMedia;
  }

  // --- internals: configuration -------------------------------------------------------------------

  _configure(frame) {
    // A new Janus session on the server: whatever was connected before is of no use.
    const republish = this.wanted;
    this._closePublisher({ keepTracks: true });
    this._closeSubscriber();
    this.rtcConfig = {
      iceServers: frame.ice_servers || [],
      iceTransportPolicy: frame.ice_transport_policy || "all",
    };
    this.configured = true;
    this.feeds = frame.feeds || [];
    this._applyPermissions(frame);
    this.cb.onFeeds(this.feeds);
    this.send({ type: "media.subscribe" });
    if (republish && this.permissions.may_publish) this.publish(republish);
    else if (republish) this._stopTracks();
  }

  _applyPermissions(frame) {
    this.permissions = {
      may_publish: Boolean(frame.may_publish),
      audio_muted: Boolean(frame.audio_muted),
      video_stopped: Boolean(frame.video_stopped),
    };
    if (!this.permissions.may_publish && (this.pub || this.localStream)) {
      // The server has stopped the publication already.
      this.wanted = null;
      this._closePublisher();
    }
    this._applyTrackState();
    this.cb.onPermissions({ ...this.permissions });
  }

  _refused(frame) {
    const reason = frame.reason || "";
    if (reason === "not_allowed" || reason === "full") {
      this.wanted = null;
      this._closePublisher();
    } else if (reason === "replaced") {
      // Another page of this member took over: stay quiet until the person reloads this one.
      this.close();
    }
    this.cb.onRefused(reason, frame.message || "");
  }

  // --- internals: publisher -----------------------------------------------------------------------

  async _ensureTracks({ audio, video, screen }) {
    const have = this.localStream ? this.localStream.getTracks() : [];
    const needAudio = audio && !have.some((t) => t.kind === "audio" && t !== this.screenTrack);
    const needVideo = video && !have.some((t) => t.kind === "video" && t !== this.screenTrack);
    if (!this.localStream) this.localStream = new MediaStream();
    if (needAudio || needVideo) {
      const got = await openMedia({}, { audio: needAudio, video: needVideo, camera: CAMERA });
      for (const track of got.getTracks()) this.localStream.addTrack(track);
    }
    for (const track of this.localStream.getTracks()) {
      if (track === this.screenTrack) continue;
      if ((track.kind === "audio" && !audio) || (track.kind === "video" && !video)) {
        track.stop();
        this.localStream.removeTrack(track);
      }
    }
    if (screen && !this.screenTrack) {
      const display = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
      this.screenTrack = display.getVideoTracks()[0];
      this.screenTrack.addEventListener("ended", () => {
        if (this.wanted) this.publish({ ...this.wanted, screen: false });
      });
    } else if (!screen && this.screenTrack) {
      this.screenTrack.stop();
      this.screenTrack = null;
    }
    this._applyTrackState();
    this.cb.onLocalStream(this.localStream);
  }

  _createPublisher() {
    const pc = new RTCPeerConnection(this.rtcConfig);
    this.pub = { pc, chain: Promise.resolve(), awaitingAnswer: false, again: false, screenMid: null, senders: new Map() };
    pc.addEventListener("icecandidate", ({ candidate }) => {
      if (this.pub && this.pub.pc === pc) {
        this.send({ type: "media.candidate", target: "publisher", candidate: candidate ? candidate.toJSON() : null });
      }
    });
    pc.addEventListener("connectionstatechange", () => {
      if (pc.connectionState === "failed" && this.pub && this.pub.pc === pc && this.wanted) {
        // Janus dropped us (or the network did): publish on a new connection.
        const wanted = this.wanted;
        this.send({ type: "media.unpublish" });
        this._closePublisher({ keepTracks: true });
        this.publish(wanted);
      }
    });
    this._syncSenders();
  }

  _syncSenders() {
    syncSenders(this.pub, this.localStream, this.screenTrack);
  }

  _negotiatePublisher() {
    const pub = this.pub;
    if (!pub) return;
    if (pub.awaitingAnswer) {
      pub.again = true;
      return;
    }
    pub.chain = pub.chain
      .then(async () => {
        if (this.pub !== pub || pub.pc.signalingState === "closed") return;
        pub.awaitingAnswer = true;
        await pub.pc.setLocalDescription(await pub.pc.createOffer());
        const screen = pub.senders.get("screen");
        pub.screenMid = screen ? screen.mid : null;
        const frame = { type: "media.publish", sdp: pub.pc.localDescription.sdp };
        if (pub.screenMid) frame.screen = pub.screenMid;
        this.send(frame);
      })
      .catch((error) => {
        pub.awaitingAnswer = false;
        this.cb.onError(String(error && error.message ? error.message : error));
      });
  }

  _publisherAnswer(sdp) {
    const pub = this.pub;
    if (!pub) return;
    pub.chain = pub.chain
      .then(async () => {
        if (this.pub !== pub || pub.pc.signalingState !== "have-local-offer") return;
        await pub.pc.setRemoteDescription({ type: "answer", sdp });
        pub.awaitingAnswer = false;
        if (pub.again) {
          pub.again = false;
          this._negotiatePublisher();
        }
      })
      .catch((error) => console.warn("publisher answer", error));
  }

  _applyTrackState() {
    if (!this.localStream) return;
    for (const track of this.localStream.getAudioTracks()) {
      track.enabled = !this.selfMuted.audio && !this.permissions.audio_muted;
    }
    for (const track of this.localStream.getVideoTracks()) {
      track.enabled = !this.selfMuted.video && !this.permissions.video_stopped;
    }
  }

  _closePublisher({ keepTracks = false } = {}) {
    if (this.pub) {
      this.pub.pc.close();
      this.pub = null;
    }
    if (!keepTracks) this._stopTracks();
  }

  _stopTracks() {
    const had = Boolean(this.localStream || this.screenTrack);
    if (this.localStream) for (const track of this.localStream.getTracks()) track.stop();
    if (this.screenTrack) this.screenTrack.stop();
    this.localStream = null;
    this.screenTrack = null;
    if (had) this.cb.onLocalStream(null);
  }

  // --- internals: subscriber ----------------------------------------------------------------------

  _createSubscriber() {
    const pc = new RTCPeerConnection(this.rtcConfig);
    this.sub = pc;
    this.subChain = Promise.resolve();
    pc.addEventListener("icecandidate", ({ candidate }) => {
      if (this.sub === pc) {
        this.send({ type: "media.candidate", target: "subscriber", candidate: candidate ? candidate.toJSON() : null });
      }
    });
    return pc;
  }

  // The connections that receive: the subscription and the streams, each with its mid -> {member, kind}.
  _receivers() {
    const list = this.sub ? [{ pc: this.sub, mids: this.mids }] : [];
    for (const stream of this.streamPcs.values()) list.push(stream);
    return list;
  }

  _streamOffer(frame) {
    const member = frame.stream;
    let stream = this.streamPcs.get(member);
    if (stream) this._closeStream(member); // a new offer for a member: the feed started anew
    const pc = new RTCPeerConnection(this.rtcConfig);
    stream = { pc, chain: Promise.resolve(), mids: new Map() };
    this.streamPcs.set(member, stream);
    pc.addEventListener("icecandidate", ({ candidate }) => {
      if (this.streamPcs.get(member) === stream) {
        this.send({ type: "media.candidate", target: "stream", stream: member, candidate: candidate ? candidate.toJSON() : null });
      }
    });
    stream.chain = stream.chain
      .then(async () => {
        await pc.setRemoteDescription({ type: "offer", sdp: frame.sdp });
        await pc.setLocalDescription();
        if (this.streamPcs.get(member) !== stream) return;
        this.send({ type: "media.answer", stream: member, sdp: pc.localDescription.sdp });
        stream.mids = midsOf(frame.streams);
        this._updateRemote();
      })
      .catch((error) => {
        console.warn("stream offer", error);
        this.cb.onError(String(error && error.message ? error.message : error));
      });
  }

  _closeStream(member) {
    const stream = this.streamPcs.get(member);
    if (!stream) return;
    stream.pc.close();
    this.streamPcs.delete(member);
  }

  _subscriberOffer(frame) {
    if (frame.stream != null) {
      this._streamOffer(frame);
      return;
    }
    const pc = this.sub || this._createSubscriber();
    this.subChain = this.subChain
      .then(async () => {
        if (this.sub !== pc) return;
        await pc.setRemoteDescription({ type: "offer", sdp: frame.sdp });
        await pc.setLocalDescription();
        this.send({ type: "media.answer", sdp: pc.localDescription.sdp });
        this.mids = midsOf(frame.streams);
        this._updateRemote();
      })
      .catch((error) => {
        console.warn("subscriber offer", error);
        this.cb.onError(String(error && error.message ? error.message : error));
      });
  }

  // Group the received tracks by member into a camera and a screen stream; tell the page what changed.
  _updateRemote() {
    updateRemoteStreams(this.remote, this._receivers(), this.cb);
  }

  _closeSubscriber() {
    if (this.sub) {
      this.sub.close();
      this.sub = null;
    }
    for (const member of [...this.streamPcs.keys()]) this._closeStream(member);
    this.mids = new Map();
    for (const member of [...this.remote.keys()]) {
      this.remote.delete(member);
      this.cb.onRemoteGone(member);
    }
  }
}
