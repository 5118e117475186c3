// The citizen's device choices (made in the device check on the office page, changed in the call), kept
// in sessionStorage for this tab only, and getting local media with them.

const KEY = "bb.media";

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

export function constraints(choices, { audio = true, video = true } = {}) {
  return {
    audio: audio ? (choices.microphoneId ? { deviceId: { ideal: choices.microphoneId } } : true) : false,
    video: video
      ? { ...(choices.cameraId ? { deviceId: { ideal: choices.cameraId } } : {}), width: { ideal: 640 }, height: { ideal: 480 } }
      : false,
  };
}

// Camera and microphone, else the microphone alone, else nothing: a citizen without devices can still
// see and hear the office.
export async function getLocalMedia(choices) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return null;
  const attempts = choices.audioOnly ? [{ video: false }] : [{ video: true }, { video: false }];
  for (const attempt of attempts) {
    try {
      return await navigator.mediaDevices.getUserMedia(constraints(choices, attempt));
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
