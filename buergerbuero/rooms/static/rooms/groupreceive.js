// What a group session's page receives (groupmedia.js): the receiving connections' tracks, named by the
// server's `streams` list of each offer, turned into one camera and one screen stream per member, and
// measured (audio levels, decoded frames).
//
// A receiver is `{pc, mids}`: an RTCPeerConnection that answers and its map mid -> {member, kind}
// (`kind` "audio", "video" or "screen"). A transceiver whose mid the map does not name is not ours to show.

const KINDS = ["camera", "screen"];

// mid -> {member, kind} from an offer's `streams: [{mid, member, kind}]`.
export function midsOf(streams) {
  return new Map((streams || []).map((s) => [s.mid, { member: s.member, kind: s.kind }]));
}

// {memberId: audioLevel 0..1} of the members heard now, the loudest of each member's sources.
export function audioLevels(receivers) {
  const levels = {};
  for (const { pc, mids } of receivers) {
    for (const transceiver of pc.getTransceivers()) {
      const info = mids.get(transceiver.mid);
      if (!info || info.kind !== "audio") continue;
      const sources = transceiver.receiver.getSynchronizationSources();
      const level = sources.length ? Math.max(...sources.map((s) => s.audioLevel || 0)) : 0;
      levels[info.member] = Math.max(levels[info.member] || 0, level);
    }
  }
  return levels;
}

// {memberId: {framesDecoded, videoPackets, audioPackets, audioLevel}} summed over every receiver.
export async function inboundStats(receivers) {
  const result = {};
  for (const { pc, mids } of receivers) {
    const report = await pc.getStats();
    report.forEach((entry) => {
      if (entry.type !== "inbound-rtp") return;
      const info = mids.get(entry.mid);
      if (!info) return;
      const member = (result[info.member] ||= { framesDecoded: 0, videoPackets: 0, audioPackets: 0, audioLevel: 0 });
      if (entry.kind === "video") {
        member.framesDecoded += entry.framesDecoded || 0;
        member.videoPackets += entry.packetsReceived || 0;
      } else {
        member.audioPackets += entry.packetsReceived || 0;
        member.audioLevel = Math.max(member.audioLevel, entry.audioLevel || 0);
      }
    });
  }
  return result;
}

// member -> {camera: [tracks], screen: [tracks]} of the transceivers that receive now.
function tracksByMember(receivers) {
  const wanted = new Map();
  for (const { pc, mids } of receivers) {
    for (const transceiver of pc.getTransceivers()) {
      const info = mids.get(transceiver.mid);
      if (!info || transceiver.currentDirection === "inactive" || transceiver.stopped) continue;
      const kind = info.kind === "screen" ? "screen" : "camera";
      const tracks = (wanted.get(info.member) || wanted.set(info.member, { camera: [], screen: [] }).get(info.member))[kind];
      tracks.push(transceiver.receiver.track);
    }
  }
  return wanted;
}

// Bring `remote` (member -> {camera, screen} MediaStreams, changed in place) in line with what the
// receivers carry now, and tell the page what changed through `cb`: `onRemoteGone(member)` when nothing
// of a member arrives any more, `onRemoteStream(member, stream | null, kind)` for a stream that is new,
// changed its tracks or ended. A stream keeps its identity while its tracks change.
export function updateRemoteStreams(remote, receivers, cb) {
  const wanted = tracksByMember(receivers);
  for (const [member, streams] of [...remote]) {
    if (!wanted.has(member)) {
      remote.delete(member);
      cb.onRemoteGone(member);
    } else {
      for (const kind of KINDS) {
        if (streams[kind] && !wanted.get(member)[kind].length) {
          streams[kind] = null;
          cb.onRemoteStream(member, null, kind); // e.g. the member stopped sharing the screen
        }
      }
    }
  }
  for (const [member, byKind] of wanted) {
    const streams = remote.get(member) || { camera: null, screen: null };
    remote.set(member, streams);
    for (const kind of KINDS) {
      const tracks = byKind[kind];
      if (!tracks.length) continue;
      let stream = streams[kind];
      let changed = false;
      if (!stream) {
        stream = streams[kind] = new MediaStream();
        changed = true;
      }
      for (const track of stream.getTracks()) {
        if (!tracks.includes(track)) {
          stream.removeTrack(track);
          changed = true;
        }
      }
      for (const track of tracks) {
        if (!stream.getTracks().includes(track)) {
          stream.addTrack(track);
          changed = true;
        }
      }
      if (changed) cb.onRemoteStream(member, stream, kind);
    }
  }
}
