// The pages' wrappers of the JavaScript catalog (/jsi18n/, loaded by base.html), with English fallbacks
// should the catalog fail to load, and the one placeholder filler of every page script.
//
//   import { fmt, nt, readConfig, t } from "/static/core/i18n.js";
//   t("Camera")                                   // gettext; makemessages extracts t() and nt()
//   nt("%(n)s minute", "%(n)s minutes", n)        // ngettext
//   fmt(t("Video of %(name)s"), { name })         // fills named placeholders; a missing value is ""
//   readConfig("waiting-config")                  // a json_script block, {} when the page has none
//
// fmt does what the catalog's interpolate(template, values, true) does, without needing the catalog:
// the workspace and the status widget take their texts from the server and may not load it.

export function t(msgid) {
  return typeof window.gettext === "function" ? window.gettext(msgid) : msgid;
}

export function nt(singular, plural, n) {
  if (typeof window.ngettext === "function") return window.ngettext(singular, plural, n);
  return n === 1 ? singular : plural;
}

export function fmt(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
}

export function readConfig(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : {};
}
