// Invitations from colleagues to join their consultation: a list of answer forms (#invitation-list, items
// from #invitation-template), shown while it has any.

import { fmt } from "/static/core/i18n.js";
import { $, cloneTemplate, withId } from "./kit.js";

// answerUrl: the config's URL of the answer (reversed with the id 0); labels: the page's texts.
export function createInvitations({ answerUrl, labels: L }) {
  function add({ participant, office, by }) {
    const list = $("invitation-list");
    if (list.querySelector(`[data-participant="${participant}"]`)) return;
    const item = cloneTemplate("invitation-template");
    item.dataset.participant = String(participant);
    item.querySelector(".invitation__text").textContent = fmt(L.invited, { by: by || L.colleague, office });
    for (const form of item.querySelectorAll(".answer-form")) form.action = withId(answerUrl, participant);
    list.append(item);
    $("invitations").hidden = false;
  }

  function remove(participant) {
    const item = $("invitation-list").querySelector(`[data-participant="${participant}"]`);
    if (item) item.remove();
    $("invitations").hidden = $("invitation-list").children.length === 0;
  }

  // The invitations of a snapshot replace all others.
  function replace(invitations) {
    $("invitation-list").replaceChildren();
    $("invitations").hidden = true;
    for (const invitation of invitations) add(invitation);
  }

  return { add, remove, replace };
}
