// The proof of work of a public form (core/pow.py; markup core/templates/core/_pow.html): solved in a
// worker as soon as the page is open, so that it is usually done before the person has finished typing.
// The form is sent only with a solution; a submit before that waits for it and then sends by itself
// (with the button that was pressed). A page left open longer than its challenge lives fetches a fresh
// one on submit, so nobody is timed out. The page provides #id_pow (the hidden field), #pow-status (its
// data-* texts) and #pow-config (json_script: challenge, challenge_url).
//
// Loaded as a page script it protects the form marked [data-pow] and focuses the error summary; a page
// with more to do (appointments/booking.js) imports protectForm instead.

import { encodeSolution, solveRange } from "./pow-solve.js";

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

// onSend runs just before the form goes to the server with its solution.
export function protectForm(form, { onSend = () => {} } = {}) {
  const field = document.getElementById("id_pow");
  const status = document.getElementById("pow-status");
  const config = JSON.parse(document.getElementById("pow-config").textContent);
  let challenge = config.challenge;
  let receivedAt = performance.now();
  let solving = null;
  let sending = false;

  const say = (kind) => {
    if (status) status.textContent = status.dataset[kind] || "";
  };
  // A minute of margin for the way to the server.
  const expired = () => performance.now() - receivedAt > (challenge.expires_in - 60) * 1000;

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
    // Buttons that only go back (data-no-pow) send at once.
    if (sending || (event.submitter && event.submitter.hasAttribute("data-no-pow"))) return;
    if (field.value && !expired()) {
      sending = true;
      onSend();
      return;
    }
    event.preventDefault();
    const submitter = event.submitter;
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
      onSend();
      form.requestSubmit(submitter || undefined);
    }
  });

  start();
}

const marked = document.querySelector("form[data-pow]");
if (marked) {
  const summary = document.getElementById("error-summary");
  if (summary && document.activeElement !== summary) summary.focus();
  protectForm(marked);
}
