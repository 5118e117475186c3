// Thin wrappers around the JavaScript catalog (/jsi18n/, loaded by base.html), with English fallbacks
// should the catalog fail to load.

export function t(msgid) {
  return typeof window.gettext === "function" ? window.gettext(msgid) : msgid;
}

export function nt(singular, plural, n) {
  if (typeof window.ngettext === "function") return window.ngettext(singular, plural, n);
  return n === 1 ? singular : plural;
}

export function fmt(template, values) {
  if (typeof window.interpolate === "function") return window.interpolate(template, values, true);
  return template.replace(/%\((\w+)\)s/g, (_, key) => String(values[key]));
}

export function waitText(seconds) {
  if (!seconds || seconds <= 0) return t("You will be served shortly.");
  const minutes = Math.ceil(seconds / 60);
  return fmt(nt("Expected wait: about %(minutes)s minute", "Expected wait: about %(minutes)s minutes", minutes), { minutes });
}

// The expected wait for a newcomer, next to the label "Waiting time" (public.views.wait_short).
export function waitShort(seconds) {
  if (!seconds || seconds <= 0) return t("none");
  const minutes = Math.ceil(seconds / 60);
  return fmt(nt("about %(minutes)s minute", "about %(minutes)s minutes", minutes), { minutes });
}

export function readConfig(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : {};
}
