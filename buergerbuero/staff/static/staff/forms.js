// The workspace's action forms: plain POST forms (they work without script) that this module sends with
// fetch (Accept: application/json). Their effects come back as socket frames; presence, availability
// and an answered invitation are also applied at once when the POST answers.

import { $, notice } from "./kit.js";

// The forms whose success starts a call on this page (staff.forms.CallPageForm).
const CALL_FORMS = ["admit-next-form", "admit-form", "answer-form"];

function isActionForm(form) {
  // The language switch and logout (in the header) and the chat are not actions of the workspace.
  return form.method === "post" && Boolean(form.getAttribute("action")) && Boolean(form.closest("#main"));
}

function csrfToken(configured) {
  if (configured) return configured;
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

// pageId: this page load's id; csrf: the config's token (else the cookie's); labels: the page's texts;
// offices: id -> office (workspace.js's state); getMe(): the official, or null before the snapshot;
// officeList: queue.js; invitations: invitations.js; consultation: consultation.js; updateTitle().
export function bindActionForms({ pageId, csrf, labels: L, offices, getMe, officeList, invitations, consultation, updateTitle }) {
  async function post(form) {
    const body = new URLSearchParams(new FormData(form));
    if (CALL_FORMS.some((name) => form.classList.contains(name))) body.set("page", pageId);
    const response = await fetch(form.action, {
      method: "POST",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken(csrf) },
      body,
      credentials: "same-origin",
    });
    try {
      return await response.json();
    } catch {
      return { ok: false, code: "internal", message: L.failed };
    }
  }

  function afterSuccess(form) {
    const section = form.closest("[data-office-id]");
    const office = section ? offices.get(Number(section.dataset.officeId)) : null;
    const me = getMe();
    if (form.classList.contains("open-form") && office) {
      office.present = true;
      officeList.renderPresence(office);
      form.querySelector(".outside-hours-checkbox").checked = false;
      section.querySelector(".close-button").focus();
      updateTitle();
    } else if (form.classList.contains("close-form") && office) {
      office.present = false;
      officeList.renderPresence(office);
      section.querySelector(".open-button").focus();
      updateTitle();
    } else if (form.id === "availability-form") {
      if (me) me.availability = $("availability-select").value;
    } else if (form.classList.contains("answer-form")) {
      invitations.remove(Number(form.closest("[data-participant]").dataset.participant));
    } else if (form.id === "transfer-form") {
      $("transfer-note").value = "";
    }
  }

  // Closing would end the places of the people waiting: the server named their number; the official
  // confirms it (sent back as confirm_waiting) or keeps the office open. The safe choice has the focus.
  function askToClose(section, answer) {
    const box = section.querySelector(".close-confirm");
    box.querySelector(".close-confirm__text").textContent = answer.message;
    box.dataset.waiting = String(answer.waiting);
    box.hidden = false;
    box.querySelector(".close-cancel-button").focus();
  }

  function hideCloseQuestion(box, focusClose) {
    box.hidden = true;
    delete box.dataset.waiting;
    if (focusClose) box.closest("[data-office-id]").querySelector(".close-button").focus();
  }

  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest(".close-confirm-button, .close-cancel-button") : null;
    if (!button) return;
    const box = button.closest(".close-confirm");
    const form = box.closest("[data-office-id]").querySelector(".close-form");
    if (button.classList.contains("close-confirm-button")) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = "confirm_waiting";
      input.value = box.dataset.waiting || "0";
      form.append(input);
      hideCloseQuestion(box, false);
      form.requestSubmit();
      input.remove();
    } else {
      hideCloseQuestion(box, true);
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !(event.target instanceof Element)) return;
    const box = event.target.closest(".close-confirm");
    if (box && !box.hidden) hideCloseQuestion(box, true);
  });

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !isActionForm(form)) return;
    event.preventDefault();
    const admitting = form.classList.contains("admit-next-form") || form.classList.contains("admit-form");
    if (admitting) consultation.warmMedia();
    const section = form.closest("[data-office-id]");
    const messageBox = section ? section.querySelector(".office__message") : $("workspace-notice");
    const buttons = form.querySelectorAll("button[type=submit]");
    buttons.forEach((b) => { b.disabled = true; });
    notice("", messageBox);
    let answer;
    try {
      answer = await post(form);
    } catch {
      answer = { ok: false, code: "network", message: L.connection_lost };
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
    if (answer.ok) {
      afterSuccess(form);
      return;
    }
    if (admitting) consultation.dropWarmMedia();
    if (answer.code === "confirm_close" && section) {
      askToClose(section, answer);
      return;
    }
    notice(answer.message || L.failed, messageBox);
    const me = getMe();
    if (answer.code === "outside_hours" && section) section.querySelector(".outside-hours-checkbox").focus();
    else if (form.id === "availability-form" && me) $("availability-select").value = me.availability;
  });

  // The availability is saved as soon as it is chosen.
  $("availability-submit").hidden = true;
  $("availability-select").addEventListener("change", () => $("availability-form").requestSubmit());
}
