// The live state of an office (public/_live_state.html in an element [data-office-id]), kept current the
// same way on the overview, on an office page (overview.js) and in the status widget's frame
// (widget-frame.js): the state badge, the rows shown while the office is open, the next opening while it
// is closed, the people waiting and the expected wait. The server renders the first state; the socket
// /ws/public/<authority>/ sends a snapshot, then office.state frames.
//
// No JavaScript catalog here: each page passes its own texts (the widget loads none, to stay small).

import { connect } from "/static/core/socket.js";

function setText(element, text) {
  if (element && element.textContent !== text) element.textContent = text;
}

// labels: the names of the states; waitShort(seconds): the expected wait in words; onStateChange(card,
// {before, label, open}) runs for each card whose state changed (a page announces it, or offers a reload).
export function drawOfficeState(state, { labels, waitShort, onStateChange = () => {} }) {
  for (const card of document.querySelectorAll(`[data-office-id="${state.office}"]`)) {
    const badge = card.querySelector(".office-state");
    if (!badge) continue;
    const before = badge.dataset.state;
    const label = labels[state.state] || state.state;
    const open = state.state !== "closed";
    if (before !== state.state) {
      badge.dataset.state = state.state;
      badge.className = `office-state badge badge--${state.state}`;
      badge.textContent = label;
    }
    for (const row of card.querySelectorAll(".live-state__open")) row.hidden = !open;
    const next = card.querySelector(".office-next, .office-card__next");
    if (next) next.hidden = open;
    setText(card.querySelector(".office-waiting"), String(state.waiting));
    setText(card.querySelector(".office-wait"), waitShort(state.expected_wait_seconds));
    if (before !== state.state) onStateChange(card, { before, label, open });
  }
}

// draw(state, isDelta) for every office of the snapshot (isDelta false), then for each office.state.
export function followOffices(ws, draw) {
  if (!ws) return;
  connect(ws, {
    onFrame(frame) {
      if (frame.type === "snapshot") (frame.offices || []).forEach((state) => draw(state, false));
      else if (frame.type === "office.state") draw(frame, true);
    },
  });
}
