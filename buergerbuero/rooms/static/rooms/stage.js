// What the room shows: the stage (a shared screen, or material a moderator shows: an image, a video or a
// link) and the video tiles. Drawing only; the streams come from roommedia.js.

import { fmt, t } from "/static/core/i18n.js";

const $ = (id) => document.getElementById(id);

// room: the room's state (its `stage`); members: id -> member; screens: member id -> MediaStream.
export function renderStage(room, members, screens) {
  const stage = (room && room.stage) || {};
  const box = $("stage");
  const body = $("stage-body");
  body.replaceChildren();
  if (!stage.kind) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  if (stage.kind === "screen") {
    const owner = members.get(stage.member);
    $("stage-title").textContent = owner ? fmt(t("%(name)s shares the screen"), { name: owner.name }) : t("Shared screen");
    const screen = screens.get(stage.member);
    if (screen) {
      const video = document.createElement("video");
      video.autoplay = true;
      video.playsInline = true;
      video.muted = true;
      video.srcObject = screen;
      video.setAttribute("aria-label", $("stage-title").textContent);
      body.append(video);
    }
    return;
  }
  $("stage-title").textContent = stage.title || t("Shown material");
  const url = stage.url;
  if (/\.(png|jpe?g|gif|webp|svg)(\?|$)/i.test(url)) {
    const img = document.createElement("img");
    img.src = url;
    img.alt = stage.title || t("Shown material");
    body.append(img);
  } else if (/\.(mp4|webm|ogv)(\?|$)/i.test(url)) {
    const video = document.createElement("video");
    video.src = url;
    video.controls = true;
    video.setAttribute("aria-label", stage.title || t("Shown material"));
    body.append(video);
  }
  const link = document.createElement("a");
  link.href = url;
  link.target = "_blank";
  link.rel = "noopener";
  link.textContent = t("Open the material in a new window");
  const p = document.createElement("p");
  p.append(link);
  body.append(p);
}

function rank(member, speaking) {
  if (member.is_hall) return 3;
  if (member.id === speaking) return 2;
  if (member.role === "presenter" || member.role === "moderator") return 1;
  return 0;
}

// Video tiles: the hall and the current speaker (the first speaking, else the first publishing
// moderator or presenter) come first and large. members: id -> member; streams: member id ->
// MediaStream; meId: this page's member (its own tile is muted); speaking: the loudest member or null.
export function renderTiles(members, streams, meId, speaking) {
  const tiles = $("tiles");
  const shown = [...members.values()].filter((m) => streams.has(m.id));
  shown.sort((a, b) => rank(b, speaking) - rank(a, speaking));
  const existing = new Map([...tiles.children].map((el) => [Number(el.dataset.member), el]));
  const ordered = shown.map((member) => {
    let figure = existing.get(member.id);
    if (!figure) {
      figure = document.createElement("figure");
      figure.className = "tile room__tile";
      figure.dataset.member = String(member.id);
      const video = document.createElement("video");
      video.autoplay = true;
      video.playsInline = true;
      if (member.id === meId) video.muted = true;
      const caption = document.createElement("figcaption");
      figure.append(video, caption);
    }
    const video = figure.querySelector("video");
    const stream = streams.get(member.id) || null;
    if (video.srcObject !== stream) video.srcObject = stream;
    figure.querySelector("figcaption").textContent = member.name + (member.is_hall ? " – " + t("meeting hall") : "");
    figure.classList.toggle("room__tile--prominent", rank(member, speaking) >= 2);
    figure.classList.toggle("room__tile--speaking", speaking === member.id);
    return figure;
  });
  tiles.replaceChildren(...ordered);
}
