// The booking form: focus the error summary, and protect the form with the proof of work (pow-form.js).
//
// What the person typed is kept in this tab's sessionStorage when the form is sent: if the time was
// taken meanwhile, the server sends them back to the week, and the form of the next time they choose is
// filled in again (nothing of it is stored on the server before a booking succeeds; booked.js clears it).

import { protectForm } from "/static/core/pow-form.js";

const form = document.getElementById("booking-form");
const summary = document.getElementById("error-summary");
const draftNote = document.getElementById("draft-note");
const DRAFT = "bb-booking-draft";
const DRAFT_FIELDS = ["name", "email", "phone", "concern"];

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

restoreDraft();
protectForm(form, { onSend: saveDraft });
