// What a group session's page sends (groupmedia.js): the camera size, the encodings, the publisher
// connection's transceivers kept in step with the wanted tracks, and what it has sent.

// What one publisher sends reaches every viewer through Janus, so it is sized for a large audience on
// mobile networks rather than for the best picture: a camera at 640×360, 15 frames a second, at most
// 500 kbit/s (talking heads look fine; every viewer decodes less and Janus forwards fewer packets); a
// shared screen sharp but slow (slides and documents change rarely). Audio is Opus at its defaults. The
// camera and microphone are asked for as on every page (core/media.js), with this camera size.
export const CAMERA = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 15, max: 15 } };
const ENCODINGS = {
  video: { maxBitrate: 500_000, maxFramerate: 15 },
  screen: { maxBitrate: 1_500_000, maxFramerate: 10 },
};

// Send exactly the wanted tracks on `pub.pc`: one transceiver per camera/microphone track of
// `localStream`, one for `screenTrack`; `pub.senders` (key "audio", "video" or "screen" -> transceiver) is
// kept in step.
export function syncSenders(pub, localStream, screenTrack) {
  const tracks = new Map();
  for (const track of localStream ? localStream.getTracks() : []) tracks.set(track.kind, track);
  if (screenTrack) tracks.set("screen", screenTrack);
  for (const [key, track] of tracks) {
    const transceiver = pub.senders.get(key);
    if (!transceiver || transceiver.stopped || transceiver.currentDirection === "stopped") {
      const stream = key === "screen" ? new MediaStream([track]) : localStream;
      const init = { direction: "sendonly", streams: [stream] };
      if (ENCODINGS[key]) init.sendEncodings = [ENCODINGS[key]];
      if (key === "screen") track.contentHint = "detail";
      pub.senders.set(key, pub.pc.addTransceiver(track, init));
    } else if (transceiver.sender.track !== track) {
      transceiver.sender.replaceTrack(track);
    }
  }
  for (const [key, transceiver] of [...pub.senders]) {
    if (!tracks.has(key)) {
      transceiver.stop();
      pub.senders.delete(key);
    }
  }
}

// {framesSent, audioPackets, state} of the publisher connection `pub` (null when not publishing).
export async function outboundStats(pub) {
  const result = { framesSent: 0, audioPackets: 0, state: pub ? pub.pc.connectionState : "none" };
  if (!pub) return result;
  (await pub.pc.getStats()).forEach((entry) => {
    if (entry.type !== "outbound-rtp") return;
    if (entry.kind === "video") result.framesSent += entry.framesSent || 0;
    else result.audioPackets += entry.packetsSent || 0;
  });
  return result;
}
