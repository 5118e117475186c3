// The booking form: focus the error summary, and solve the proof of work (pow.py) in a worker as soon as
// the page is open, so that it is usually done before the person has typed their name. The form is sent
// only with a solution; a submit before that waits for it and then sends by itself. A page left open
// longer than its challenge lives fetches a fresh one on submit, so nobody is timed out.
//
// What the person typed is kept in this tab's sessionStorage when the form is sent: if the time was
// taken meanwhile, the server sends them back to the week, and the form of the next time they choose is
// filled in again (nothing of it is stored on the server before a booking succeeds; booked.js clears it).

import { encodeSolution, solveRange } from "./pow-solve.js";

const form = document.getElementById("booking-form");
const field = document.getElementById("id_pow");
const status = document.getElementById("pow-status");
const config = JSON.parse(document.getElementById("pow-config").textContent);
const summary = document.getElementById("error-summary");
const draftNote = document.getElementById("draft-note");
const DRAFT = "bb-booking-draft";
const DRAFT_FIELDS = ["name", "email", "phone", "concern"];

let challenge = config.challenge;
let receivedAt = performance.now();
let solving = null;
let sending = false;

if (summary && document.activeElement !== summary) summary.focus();

function saveDraft() {
  const draft = {};
  for (const name of DRAFT_FIELDS) draft[name] = form.elements[name].value;
  try {
    sessionStorage.setItem(DRAFT, JSON.stringify(draft));
  } catch {
    // Storage switched off: nothing is kept, the form still works.
  }
}

function restoreDraft() {
  if (summary) return; // the server has sent back what was typed, with the errors
  let draft = null;
  try {
    draft = JSON.parse(sessionStorage.getItem(DRAFT) || "null");
  } catch {
    return;
  }
  if (!draft) return;
  let restored = false;
  for (const name of DRAFT_FIELDS) {
    const element = form.elements[name];
    if (element && !element.value && typeof draft[name] === "string" && draft[name]) {
      element.value = draft[name];
      restored = true;
    }
  }
  if (restored && draftNote) draftNote.hidden = false;
}

function say(kind) {
  status.textContent = status.dataset[kind] || "";
}

function expired() {
  // A minute of margin for the way to the server.
  return performance.now() - receivedAt > (challenge.expires_in - 60) * 1000;
}

function inWorker(task) {
  return new Promise((resolve, reject) => {
    let worker;
    try {
      worker = new Worker(new URL("./pow-worker.js", import.meta.url), { type: "module" });
    } catch (error) {
      reject(error);
      return;
    }
    worker.addEventListener("message", (event) => {
      worker.terminate();
      resolve(event.data.number);
    });
    worker.addEventListener("error", (event) => {
      event.preventDefault();
      worker.terminate();
      reject(new Error("worker failed"));
    });
    worker.postMessage(task);
  });
}

// Browsers without module workers: the same search on the page, in slices that keep it responsive.
async function onPage(task) {
  const slice = 2000;
  for (let from = 0; from <= task.maxnumber; from += slice) {
    const found = solveRange(task, from, Math.min(from + slice - 1, task.maxnumber));
    if (found !== null) return found;
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return null;
}

async function solve() {
  const task = challenge;
  say("running");
  let number;
  try {
    number = await inWorker(task);
  } catch {
    number = await onPage(task);
  }
  if (number === null || number === undefined) throw new Error("no solution");
  if (task !== challenge) return; // replaced meanwhile
  field.value = encodeSolution(task, number);
  say("done");
}

function start() {
  solving = solve().catch(() => {
    solving = null;
    say("failed");
  });
  return solving;
}

async function renew() {
  const response = await fetch(config.challenge_url, { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) throw new Error(`challenge: ${response.status}`);
  challenge = await response.json();
  receivedAt = performance.now();
  field.value = "";
}

form.addEventListener("submit", async (event) => {
  if (sending) return;
  if (field.value && !expired()) {
    sending = true;
    saveDraft();
    return;
  }
  event.preventDefault();
  say("waiting");
  try {
    if (expired()) {
      await renew();
      start();
    } else if (!solving) {
      start();
    }
    await solving;
  } catch {
    say("failed");
    return;
  }
  if (field.value) {
    sending = true;
    saveDraft();
    form.submit();
  }
});

restoreDraft();
start();
