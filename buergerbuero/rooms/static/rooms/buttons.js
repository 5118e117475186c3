// A small action button of the room page (on a member, a raised hand, a lobby entry, a chat message). Its
// visible label is short ("Mute"); the person it acts on is part of its name for screen readers, after
// the visible text (WCAG 2.5.3: the name contains the label).

export function smallButton(label, whom, onClick, danger = false) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = danger ? "button button--danger button--small" : "button button--secondary button--small";
  button.textContent = label;
  if (whom) {
    const hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = " – " + whom;
    button.append(hidden);
  }
  button.addEventListener("click", onClick);
  return button;
}
