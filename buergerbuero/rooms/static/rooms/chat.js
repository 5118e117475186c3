// The room's chat: the log (role="log" in rooms/room.html) and the form. A moderator gets a delete button
// on every message; the server removes it for everyone (room.chat_deleted).

import { t } from "/static/core/i18n.js";
import { smallButton } from "./buttons.js";

const $ = (id) => document.getElementById(id);

// send(frame); isModerator().
export function createChat({ send, isModerator }) {
  function add(message) {
    const li = document.createElement("p");
    li.className = "room__message";
    li.dataset.message = String(message.id);
    const who = document.createElement("strong");
    who.textContent = (message.name || t("A participant")) + ": ";
    const text = document.createElement("span");
    text.textContent = message.text;
    const time = document.createElement("time");
    time.dateTime = message.at;
    time.className = "room__time";
    time.textContent = " " + new Date(message.at).toLocaleTimeString(document.documentElement.lang || undefined, { timeStyle: "short" });
    li.append(who, text, time);
    if (isModerator()) {
      li.append(" ", smallButton(t("Delete"), message.name, () => send({ type: "chat.delete", message: message.id }), true));
    }
    const log = $("chat-log");
    log.append(li);
    log.scrollTop = log.scrollHeight;
  }

  function remove(id) {
    const li = $("chat-log").querySelector(`[data-message="${Number(id)}"]`);
    if (li) li.remove();
  }

  // The log of a snapshot: what was said before, in order.
  function replace(messages) {
    $("chat-log").replaceChildren();
    messages.forEach(add);
  }

  $("chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("chat-input");
    const text = input.value.trim();
    if (!text) return;
    send({ type: "chat.send", text });
    input.value = "";
    input.focus();
  });

  return { add, remove, replace };
}
