// Live state of an authority's offices on the overview and on an office page (officecard.js draws it).

import { readConfig } from "/static/core/i18n.js";
import { drawOfficeState, followOffices } from "./officecard.js";
import { waitShort } from "./waittime.js";

const config = readConfig("live-config");
const labels = config.labels || {};

// On an office page that opened while it was shown, the entry form is only a reload away.
function offerReload(card, { before, open }) {
  const reload = document.getElementById("office-reload");
  if (reload && config.reload_when_open && open && before === "closed" && !document.getElementById("enter-form")) {
    reload.hidden = false;
  }
}

followOffices(config.ws, (state) => drawOfficeState(state, { labels, waitShort, onStateChange: offerReload }));
