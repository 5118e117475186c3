// Live state of an authority's offices on the overview and on an office page. The server renders the
// state; this keeps it current from /ws/public/<authority>/ (a snapshot, then office.state frames).
// Every office is an element [data-office-id] with children .office-state, .office-waiting, .office-wait.

import { connect } from "/static/core/socket.js";
import { readConfig, waitShort } from "./i18n.js";

const config = readConfig("live-config");
const labels = config.labels || {};

function render(state) {
  for (const card of document.querySelectorAll(`[data-office-id="${state.office}"]`)) {
    const badge = card.querySelector(".office-state");
    if (!badge) continue;
    const before = badge.dataset.state;
    if (before !== state.state) {
      badge.dataset.state = state.state;
      badge.className = `office-state badge badge--${state.state}`;
      badge.textContent = labels[state.state] || state.state;
    }
    const open = state.state !== "closed";
    for (const row of card.querySelectorAll(".live-state__open")) row.hidden = !open;
    const next = card.querySelector(".office-next, .office-card__next");
    if (next) next.hidden = open;
    const waiting = card.querySelector(".office-waiting");
    if (waiting && waiting.textContent !== String(state.waiting)) waiting.textContent = String(state.waiting);
    const wait = card.querySelector(".office-wait");
    const text = waitShort(state.expected_wait_seconds);
    if (wait && wait.textContent !== text) wait.textContent = text;
    // On an office page that opened while it was shown, the entry form is only a reload away.
    const reload = document.getElementById("office-reload");
    if (reload && config.reload_when_open && open && before === "closed" && !document.getElementById("enter-form")) {
      reload.hidden = false;
    }
  }
}

if (config.ws) {
  connect(config.ws, {
    onFrame(frame) {
      if (frame.type === "snapshot") (frame.offices || []).forEach(render);
      else if (frame.type === "office.state") render(frame);
    },
  });
}
