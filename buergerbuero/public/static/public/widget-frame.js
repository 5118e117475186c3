// Inside the status widget's frame (public/widget.html): keeps the server-rendered office cards current
// as the overview does (officecard.js) and tells the embedding page (widget.js) how tall the content is.
//
// No JavaScript catalog: the page's config carries the few translated texts, so the widget stays small.

import { fmt } from "/static/core/i18n.js";
import { drawOfficeState, followOffices } from "./officecard.js";

const element = document.getElementById("live-config");
const config = element ? JSON.parse(element.textContent) : {};
const labels = config.labels || {};
const wait = config.wait || {};
const announcer = document.getElementById("widget-announcer");

function waitShort(seconds) {
  if (!seconds || seconds <= 0) return wait.none || "";
  const minutes = Math.ceil(seconds / 60);
  return fmt((minutes === 1 ? wait.one : wait.other) || "", { minutes });
}

// Only a change of state is announced; counts change too often to be read out each time.
function announce(card, { label }) {
  const name = card.querySelector("h2 a");
  if (!announcer || !name) return;
  const office = name.firstChild.textContent.trim();
  announcer.textContent = fmt(config.announce || "%(office)s: %(state)s", { office, state: label });
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

followOffices(config.ws, (state, isDelta) =>
  drawOfficeState(state, { labels, waitShort, onStateChange: isDelta ? announce : undefined }),
);
