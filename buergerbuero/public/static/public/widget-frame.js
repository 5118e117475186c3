// Inside the status widget's frame (public/widget.html): keeps the server-rendered office cards current
// from /ws/public/<authority>/ (a snapshot, then office.state frames, as on the overview) and tells the
// embedding page (widget.js) how tall the content is.
//
// No JavaScript catalog: the page's config carries the few translated texts, so the widget stays small.

import { connect } from "/static/core/socket.js";

const element = document.getElementById("live-config");
const config = element ? JSON.parse(element.textContent) : {};
const labels = config.labels || {};
const wait = config.wait || {};
const announcer = document.getElementById("widget-announcer");

function waitShort(seconds) {
  if (!seconds || seconds <= 0) return wait.none || "";
  const minutes = Math.ceil(seconds / 60);
  return (minutes === 1 ? wait.one : wait.other || "").replace("%(minutes)s", String(minutes));
}

function render(state, announce) {
  for (const card of document.querySelectorAll(`[data-office-id="${state.office}"]`)) {
    const badge = card.querySelector(".office-state");
    if (!badge) continue;
    const label = labels[state.state] || state.state;
    if (badge.dataset.state !== state.state) {
      badge.dataset.state = state.state;
      badge.className = `office-state badge badge--${state.state}`;
      badge.textContent = label;
      // Only a change of state is announced; counts change too often to be read out each time.
      const name = card.querySelector("h2 a");
      if (announce && announcer && name) {
        announcer.textContent = (config.announce || "%(office)s: %(state)s")
          .replace("%(office)s", name.firstChild.textContent.trim())
          .replace("%(state)s", label);
      }
    }
    const open = state.state !== "closed";
    for (const row of card.querySelectorAll(".live-state__open")) row.hidden = !open;
    const next = card.querySelector(".office-card__next");
    if (next) next.hidden = open;
    const waiting = card.querySelector(".office-waiting");
    if (waiting) waiting.textContent = String(state.waiting);
    const text = card.querySelector(".office-wait");
    if (text) text.textContent = waitShort(state.expected_wait_seconds);
  }
}

// The height goes to whichever page frames us: it is no secret, and the loader checks where it came from.
let lastHeight = 0;
function reportHeight() {
  const height = Math.ceil(document.body.getBoundingClientRect().height);
  if (height === lastHeight || window.parent === window) return;
  lastHeight = height;
  window.parent.postMessage({ type: "buergerbuero-widget:height", height }, "*");
}

if ("ResizeObserver" in window) new ResizeObserver(reportHeight).observe(document.body);
window.addEventListener("load", reportHeight);
// The loader asks again once its listener is in place (the first report may come before it).
window.addEventListener("message", (event) => {
  if (event.source === window.parent && event.data && event.data.type === "buergerbuero-widget:hello") {
    lastHeight = 0;
    reportHeight();
  }
});

if (config.ws) {
  connect(config.ws, {
    onFrame(frame) {
      if (frame.type === "snapshot") (frame.offices || []).forEach((s) => render(s, false));
      else if (frame.type === "office.state") render(frame, true);
    },
  });
}
