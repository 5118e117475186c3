// The registration form of an event: focus the error summary, and solve the proof of work
// (appointments/pow.py, the same scheme and solver as the booking form) in a worker as soon as the page
// is open. The form is sent only with a solution; a submit before that waits for it and then sends by
// itself. A page left open longer than its challenge lives fetches a fresh one on submit.

import { encodeSolution, solveRange } from "../appointments/pow-solve.js";

const form = document.getElementById("registration-form");
const field = document.getElementById("id_pow");
const status = document.getElementById("pow-status");
const config = JSON.parse(document.getElementById("pow-config").textContent);
const summary = document.getElementById("error-summary");

let challenge = config.challenge;
let receivedAt = performance.now();
let solving = null;
let sending = false;

if (summary && document.activeElement !== summary) summary.focus();

function say(kind) {
  status.textContent = status.dataset[kind] || "";
}

function expired() {
  return performance.now() - receivedAt > (challenge.expires_in - 60) * 1000;
}

function inWorker(task) {
  return new Promise((resolve, reject) => {
    let worker;
    try {
      worker = new Worker(new URL("../appointments/pow-worker.js", import.meta.url), { type: "module" });
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
  if (task !== challenge) return;
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
    form.submit();
  }
});

start();
