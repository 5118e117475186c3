// Solves a public form's proof of work off the page's main thread (pow-form.js starts it).
import { solveRange } from "./pow-solve.js";

self.addEventListener("message", (event) => {
  const challenge = event.data;
  self.postMessage({ number: solveRange(challenge, 0, challenge.maxnumber) });
});
