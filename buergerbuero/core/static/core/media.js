// The camera and microphone of every page that sends media: the citizen's waiting page and the device
// check before it (public), the officials' workspace (staff) and the room of a group session
// (rooms/groupmedia.js). All of them ask with the same constraints, built here:
// - the devices the person chose in the device check (kept in sessionStorage for this tab only, key
//   "bb.media"), asked for as a preference, so that another one is taken when the chosen one is gone;
// - a camera of 640 × 480 for a consultation (docs/architecture.md, "Media topology"); the room passes
//   its own smaller size, since what one member sends reaches a whole audience (groupmedia.js).
//
//   import { getLocalMedia, loadChoices } from "/static/core/media.js";
//   const stream = await getLocalMedia(loadChoices());   // camera and microphone, else the microphone, else null
//   const stream = await openMedia({}, { audio: true, video: false });   // exactly that, or it throws

const KEY = "bb.media";

export const CALL_CAMERA = { width: { ideal: 640 }, height: { ideal: 480 } };

// {cameraId, microphoneId, speakerId, audioOnly}, each optional.
export function loadChoices() {
  try {
    return JSON.parse(window.sessionStorage.getItem(KEY)) || {};
  } catch {
    return {};
  }
}

export function saveChoices(changes) {
  const choices = { ...loadChoices(), ...changes };
  try {
    window.sessionStorage.setItem(KEY, JSON.stringify(choices));
  } catch {
    // Private mode without storage: the defaults apply in the call.
  }
  return choices;
}

// `exact`: only the chosen devices will do (a camera the person switches to in the call).
export function constraints(choices, { audio = true, video = true, camera = CALL_CAMERA, exact = false } = {}) {
  const device = (id) => (exact ? { deviceId: { exact: id } } : { deviceId: { ideal: id } });
  return {
    audio: audio ? (choices.microphoneId ? device(choices.microphoneId) : true) : false,
    video: video ? { ...(choices.cameraId ? device(choices.cameraId) : {}), ...camera } : false,
  };
}

// The kinds asked for, or an error (no permission, no such device, not supported).
export async function openMedia(choices, kinds = {}) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) throw new Error("getUserMedia is not supported");
  return navigator.mediaDevices.getUserMedia(constraints(choices, kinds));
}

// Camera and microphone, else the microphone alone, else null: a person without devices can still see
// and hear the others. `choices.audioOnly` skips the camera.
export async function getLocalMedia(choices, { camera = CALL_CAMERA } = {}) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return null;
  const attempts = choices.audioOnly ? [{ video: false }] : [{ video: true }, { video: false }];
  for (const attempt of attempts) {
    try {
      return await navigator.mediaDevices.getUserMedia(constraints(choices, { ...attempt, camera }));
    } catch (error) {
      console.warn("getUserMedia", attempt, error);
    }
  }
  return null;
}

export async function listDevices(kind) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) return [];
  const devices = await navigator.mediaDevices.enumerateDevices();
  return devices.filter((d) => d.kind === kind && d.deviceId);
}

export function fillSelect(select, devices, selectedId, fallbackLabel) {
  select.replaceChildren();
  devices.forEach((device, i) => {
    const option = document.createElement("option");
    option.value = device.deviceId;
    option.textContent = device.label || `${fallbackLabel} ${i + 1}`;
    option.selected = device.deviceId === selectedId;
    select.append(option);
  });
  select.disabled = devices.length === 0;
}

export const sinkSupported = typeof HTMLMediaElement !== "undefined" && "setSinkId" in HTMLMediaElement.prototype;
