/* The status widget's loader, for the authority's own website (docs/status-api.md):
 *
 *   <script src="https://buergerbuero.example/static/public/widget.js" data-authority="musterkreis" async></script>
 *
 * puts the widget's frame right after the script; or, with one or more
 *   <div data-buergerbuero-widget data-authority="musterkreis"></div>
 * on the page, into each of them. Options (on the div, else on the script): data-office (short names of
 * offices, separated by spaces or commas; default all), data-lang ("de" or "en"), data-links ("new" opens
 * office pages in a new tab instead of the whole window), data-title (the frame's title).
 *
 * A classic script, not a module, and no dependencies: it runs on pages we do not control. The frame's
 * height follows its content by postMessage; only messages from our origin and from our frame count.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var src = script.src;
  var origin = new URL(src).origin;
  var root = src.slice(0, src.indexOf("/static/"));
  var TITLES = {
    de: "Virtuelles Bürgerbüro: Öffnungszeiten und Wartezeiten",
    en: "Virtual citizen office: opening hours and waiting times",
  };

  function option(host, name) {
    return host.getAttribute("data-" + name) || script.getAttribute("data-" + name) || "";
  }

  function mount(host, afterScript) {
    var authority = option(host, "authority");
    if (!/^[A-Za-z0-9_-]+$/.test(authority)) return;
    var lang = option(host, "lang") === "en" ? "en" : "de";
    var params = new URLSearchParams();
    option(host, "office").split(/[\s,]+/).forEach(function (slug) {
      if (slug) params.append("office", slug);
    });
    if (lang !== "de") params.set("lang", lang);
    if (option(host, "links") === "new") params.set("links", "new");
    var query = params.toString();
    var frame = document.createElement("iframe");
    frame.src = root + "/widget/" + encodeURIComponent(authority) + "/" + (query ? "?" + query : "");
    frame.title = option(host, "title") || TITLES[lang];
    frame.setAttribute("data-buergerbuero-frame", "");
    frame.style.border = "0";
    frame.style.width = "100%";
    frame.style.height = "20rem";
    frame.style.display = "block";
    frame.addEventListener("load", function () {
      frame.contentWindow.postMessage({ type: "buergerbuero-widget:hello" }, origin);
    });
    if (afterScript) host.parentNode.insertBefore(frame, host.nextSibling);
    else host.appendChild(frame);
    return frame;
  }

  var frames = [];
  var hosts = document.querySelectorAll("[data-buergerbuero-widget]");
  if (hosts.length) {
    for (var i = 0; i < hosts.length; i++) {
      if (!hosts[i].querySelector("[data-buergerbuero-frame]")) frames.push(mount(hosts[i], false));
    }
  } else {
    frames.push(mount(script, true));
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || !event.data || event.data.type !== "buergerbuero-widget:height") return;
    var height = Number(event.data.height);
    if (!(height > 0 && height < 100000)) return;
    for (var j = 0; j < frames.length; j++) {
      if (frames[j] && frames[j].contentWindow === event.source) frames[j].style.height = Math.ceil(height) + "px";
    }
  });
})();
