// The workspace's offices: one section per office (staff/_office.html, cloned from #office-template for
// an office the server did not draw) with its state, the official's presence, and its queue
// (staff/_queue_item.html from #queue-item-template). Drawing only: the page's state is in workspace.js.
// Sections and queue entries are moved only when out of place, so an open form and its focus survive.

import { fmt } from "/static/core/i18n.js";
import { $, cloneTemplate, fillIds, withId } from "./kit.js";

// urls: the action URLs of the config (open, close, admit_next, admit, decline); labels: the page's
// texts; lang: the page's language (sorting, times).
export function createOfficeList({ urls, labels: L, lang }) {
  const relative = typeof Intl !== "undefined" && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(lang, { numeric: "auto" }) : null;

  function relativeTime(iso) {
    const seconds = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
    if (!relative) return new Date(iso).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
    const abs = Math.abs(seconds);
    if (abs < 60) return relative.format(0, "minute");
    if (abs < 3600) return relative.format(Math.round(seconds / 60), "minute");
    return relative.format(Math.round(seconds / 3600), "hour");
  }

  // "Waiting since" of every entry, relative to now (again every 30 s).
  function refreshTimes() {
    for (const time of document.querySelectorAll("time.queue-entry__since[datetime]")) {
      const text = relativeTime(time.getAttribute("datetime"));
      if (time.textContent !== text) time.textContent = text;
      time.title = new Date(time.getAttribute("datetime")).toLocaleString(lang);
    }
  }

  function officeSection(id) {
    return document.querySelector(`#office-list [data-office-id="${id}"]`);
  }

  function ensureOfficeSection(office) {
    let section = officeSection(office.id);
    if (!section) {
      section = cloneTemplate("office-template");
      section.dataset.officeId = String(office.id);
      fillIds(section, "__office__", office.id);
      section.querySelector(".open-form").action = withId(urls.open, office.id);
      section.querySelector(".close-form").action = withId(urls.close, office.id);
      section.querySelector(".admit-next-form").action = withId(urls.admit_next, office.id);
    }
    return section;
  }

  function renderOfficeState(office) {
    const section = officeSection(office.id);
    if (!section || !office.state) return;
    const badge = section.querySelector(".office__state");
    badge.className = `badge office__state badge--${office.state.state}`;
    badge.textContent = L[office.state.state] || office.state.state;
    section.querySelector(".office__waiting").textContent = String(office.state.waiting);
    section.querySelector(".office__present").textContent = String(office.state.officials_present);
  }

  function renderPresence(office) {
    const section = officeSection(office.id);
    if (!section) return;
    section.querySelector(".office__name").textContent = office.name;
    section.querySelector(".office__unassigned").hidden = office.assigned;
    section.querySelector(".open-form").hidden = !office.assigned || office.present;
    section.querySelector(".close-form").hidden = !office.present;
    section.querySelector(".admit-next-form").hidden = !office.present;
    if (!office.present) section.querySelector(".close-confirm").hidden = true;
  }

  function queueItem(entry) {
    const item = cloneTemplate("queue-item-template");
    item.dataset.ticketId = String(entry.ticket);
    fillIds(item, "__ticket__", entry.ticket);
    item.querySelector(".admit-form").action = withId(urls.admit, entry.ticket);
    item.querySelector(".decline-form").action = withId(urls.decline, entry.ticket);
    return item;
  }

  function fillQueueItem(item, entry) {
    const name = entry.name || L.unnamed;
    const nameEl = item.querySelector(".queue-entry__name");
    if (nameEl.textContent !== name) nameEl.textContent = name;
    item.querySelector(".admit-who").textContent = `: ${name}`;
    const concern = item.querySelector(".queue-entry__concern");
    concern.textContent = entry.concern || "";
    concern.hidden = !entry.concern;
    const since = item.querySelector(".queue-entry__since");
    since.setAttribute("datetime", entry.waiting_since);
    item.querySelector(".mark--returned").hidden = !entry.returned;
    const appointment = item.querySelector(".mark--appointment");
    appointment.hidden = !entry.appointment;
    appointment.textContent = entry.appointment ? fmt(L.appointment, { time: entry.appointment_time }) : "";
    const transferred = item.querySelector(".mark--transferred");
    transferred.hidden = !entry.transferred_from;
    transferred.textContent = entry.transferred_from
      ? fmt(L.transferred_from, { office: entry.transferred_from }) + (entry.transfer_note ? `: ${entry.transfer_note}` : "")
      : "";
    item.querySelector(".mark--away").hidden = entry.connected !== false;
  }

  function renderQueue(office) {
    const section = officeSection(office.id);
    if (!section) return;
    const list = section.querySelector(".queue");
    const existing = new Map([...list.querySelectorAll(":scope > [data-ticket-id]")].map((li) => [li.dataset.ticketId, li]));
    const wanted = new Set();
    office.queue.forEach((entry, index) => {
      const key = String(entry.ticket);
      wanted.add(key);
      let item = existing.get(key);
      if (!item) item = queueItem(entry);
      fillQueueItem(item, entry);
      // Move only what is out of place, so an open decline form (and its focus) survives updates.
      if (list.children[index] !== item) list.insertBefore(item, list.children[index] || null);
    });
    for (const [key, item] of existing) if (!wanted.has(key)) item.remove();
    section.querySelector(".queue-empty").hidden = office.queue.length > 0;
    refreshTimes();
  }

  // Only the "page closed" mark of one entry (queue.connected).
  function renderConnected(office, entry) {
    const item = officeSection(office.id)?.querySelector(`.queue > [data-ticket-id="${entry.ticket}"]`);
    if (item) item.querySelector(".mark--away").hidden = entry.connected !== false;
  }

  function renderOffice(office) {
    ensureOfficeSection(office);
    renderPresence(office);
    renderOfficeState(office);
    renderQueue(office);
  }

  // offices: id -> office; the assigned ones first, then by name.
  function placeOffices(offices) {
    const list = $("office-list");
    const ordered = [...offices.values()].sort(
      (a, b) => Number(b.assigned) - Number(a.assigned) || a.name.localeCompare(b.name, lang),
    );
    ordered.forEach((office, index) => {
      const section = ensureOfficeSection(office);
      if (list.children[index] !== section) list.insertBefore(section, list.children[index] || null);
    });
    for (const section of [...list.querySelectorAll(":scope > [data-office-id]")]) {
      if (!offices.has(Number(section.dataset.officeId))) section.remove();
    }
    $("no-offices").hidden = offices.size > 0;
  }

  return { placeOffices, renderOffice, renderOfficeState, renderPresence, renderQueue, renderConnected, refreshTimes };
}
