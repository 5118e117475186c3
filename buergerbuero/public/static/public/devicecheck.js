// The device check on the office page: camera preview, microphone level, device selection, audio-only.
// Nothing starts before the person presses the test button; choices go to sessionStorage for the call,
// and the preview is stopped before the form leaves the page.

import { t } from "/static/core/i18n.js";
import { fillSelect, getLocalMedia, listDevices, loadChoices, saveChoices, sinkSupported } from "/static/core/media.js";

const box = document.getElementById("device-check");
const startButton = document.getElementById("device-check-start");
const panel = document.getElementById("device-check-panel");
const preview = document.getElementById("device-preview");
const meter = document.getElementById("mic-level");
const cameraSelect = document.getElementById("check-camera");
const micSelect = document.getElementById("check-microphone");
const speakerField = document.getElementById("check-speaker-field");
const speakerSelect = document.getElementById("check-speaker");
const audioOnly = document.getElementById("audio-only");
const status = document.getElementById("device-check-status");
const form = document.getElementById("enter-form");

let stream = null;
let audioContext = null;
let meterFrame = null;

function stop() {
  if (stream) stream.getTracks().forEach((track) => track.stop());
  stream = null;
  if (meterFrame) cancelAnimationFrame(meterFrame);
  meterFrame = null;
  if (audioContext) audioContext.close().catch(() => {});
  audioContext = null;
  if (preview) preview.srcObject = null;
}

function watchLevel(mediaStream) {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx || !mediaStream.getAudioTracks().length) return;
  audioContext = new Ctx();
  const analyser = audioContext.createAnalyser();
  analyser.fftSize = 512;
  audioContext.createMediaStreamSource(mediaStream).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const tick = () => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const s of samples) sum += s * s;
    meter.value = Math.min(1, Math.sqrt(sum / samples.length) * 4);
    meterFrame = requestAnimationFrame(tick);
  };
  tick();
}

async function refreshDevices(choices) {
  const cameras = await listDevices("videoinput");
  const mics = await listDevices("audioinput");
  fillSelect(cameraSelect, cameras, choices.cameraId, t("Camera"));
  fillSelect(micSelect, mics, choices.microphoneId, t("Microphone"));
  if (sinkSupported) {
    const speakers = await listDevices("audiooutput");
    fillSelect(speakerSelect, speakers, choices.speakerId, t("Speaker"));
    speakerField.hidden = speakers.length === 0;
  }
}

async function run() {
  stop();
  const choices = loadChoices();
  const wantVideo = !audioOnly.checked;
  status.textContent = t("Waiting for your permission …");
  // What the call will ask for (core/media.js), so the check shows what the office will see.
  stream = await getLocalMedia({ ...choices, audioOnly: !wantVideo });
  if (!stream) {
    status.textContent = t("Your camera or microphone could not be started. You can still enter; the office will be able to see and hear you only if your browser allows it.");
    return;
  }
  panel.hidden = false;
  preview.srcObject = wantVideo ? stream : null;
  preview.hidden = !wantVideo || !stream.getVideoTracks().length;
  watchLevel(stream);
  const video = stream.getVideoTracks()[0];
  const audio = stream.getAudioTracks()[0];
  saveChoices({
    cameraId: video ? video.getSettings().deviceId || choices.cameraId : choices.cameraId,
    microphoneId: audio ? audio.getSettings().deviceId || choices.microphoneId : choices.microphoneId,
  });
  await refreshDevices(loadChoices());
  status.textContent = wantVideo && !video
    ? t("Your microphone works, but no camera was found. You can take part with sound only.")
    : t("Camera and microphone are working. Speak to see the level move.");
}

if (box && form && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
  box.hidden = false;
  const choices = loadChoices();
  audioOnly.checked = Boolean(choices.audioOnly);
  startButton.addEventListener("click", run);
  cameraSelect.addEventListener("change", () => {
    saveChoices({ cameraId: cameraSelect.value });
    run();
  });
  micSelect.addEventListener("change", () => {
    saveChoices({ microphoneId: micSelect.value });
    run();
  });
  speakerSelect.addEventListener("change", () => {
    saveChoices({ speakerId: speakerSelect.value });
    if (sinkSupported && preview.setSinkId) preview.setSinkId(speakerSelect.value).catch(() => {});
  });
  audioOnly.addEventListener("change", () => {
    saveChoices({ audioOnly: audioOnly.checked });
    if (stream) run();
  });
  form.addEventListener("submit", stop);
  window.addEventListener("pagehide", stop);
}
