// Getting the citizen's attention when it is their turn: a short chime (WebAudio) and, only if the person
// allowed it with the button on the page, a system notification. Browsers start audio only after a
// user gesture on the page, so the AudioContext is created (or resumed) on the first one.

let audioContext = null;

function ensureContext() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return null;
  if (!audioContext) audioContext = new Ctx();
  if (audioContext.state === "suspended") audioContext.resume().catch(() => {});
  return audioContext;
}

export function unlockAudioOnGesture() {
  const unlock = () => {
    ensureContext();
    window.removeEventListener("pointerdown", unlock);
    window.removeEventListener("keydown", unlock);
  };
  window.addEventListener("pointerdown", unlock);
  window.addEventListener("keydown", unlock);
}

export function playChime() {
  const ctx = ensureContext();
  if (!ctx) return;
  const start = ctx.currentTime + 0.02;
  [659.25, 880].forEach((frequency, i) => {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = "sine";
    osc.frequency.value = frequency;
    const t = start + i * 0.25;
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.3, t + 0.03);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.5);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t);
    osc.stop(t + 0.55);
  });
}

export function notificationsSupported() {
  return "Notification" in window;
}

export function canAskForNotifications() {
  return notificationsSupported() && Notification.permission === "default";
}

export async function askForNotifications() {
  if (!notificationsSupported()) return "denied";
  try {
    return await Notification.requestPermission();
  } catch {
    return Notification.permission;
  }
}

export function notify(title, body) {
  if (!notificationsSupported() || Notification.permission !== "granted") return;
  try {
    const n = new Notification(title, { body });
    n.addEventListener("click", () => {
      window.focus();
      n.close();
    });
  } catch {
    // Some mobile browsers allow notifications only from a service worker; the chime and title remain.
  }
}
