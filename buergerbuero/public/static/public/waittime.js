// The expected wait in words, from the JavaScript catalog (the status widget has its own texts in its
// config: widget-frame.js).

import { fmt, nt, t } from "/static/core/i18n.js";

// The waiting citizen's own expected wait (the waiting page's line under the position).
export function waitText(seconds) {
  if (!seconds || seconds <= 0) return t("You will be served shortly.");
  const minutes = Math.ceil(seconds / 60);
  return fmt(nt("Expected wait: about %(minutes)s minute", "Expected wait: about %(minutes)s minutes", minutes), { minutes });
}

// The expected wait for a newcomer, next to the label "Waiting time" (public.pages.wait_short).
export function waitShort(seconds) {
  if (!seconds || seconds <= 0) return t("none");
  const minutes = Math.ceil(seconds / 60);
  return fmt(nt("about %(minutes)s minute", "about %(minutes)s minutes", minutes), { minutes });
}
