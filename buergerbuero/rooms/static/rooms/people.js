// The room's lists of people: the participants (with a moderator's controls on each other member), the
// queue of raised hands and, for moderators, the lobby. Each list is drawn again from the page's state
// (room.js) when that changes; every button sends one frame.

import { fmt, t } from "/static/core/i18n.js";
import { smallButton } from "./buttons.js";

const $ = (id) => document.getElementById(id);

const ROLE_LABELS = {
  moderator: t("Moderator"),
  presenter: t("Presenter"),
  speaker: t("Speaker"),
  participant: t("Participant"),
  viewer: t("Viewer"),
};

function memberLabel(member) {
  const parts = [ROLE_LABELS[member.role] || member.role];
  if (member.is_hall) parts.push(t("meeting hall"));
  if (member.may_speak) parts.push(t("may speak"));
  if (member.audio_muted) parts.push(t("muted"));
  if (member.video_stopped) parts.push(t("video stopped"));
  if (!member.present) parts.push(t("not connected"));
  return parts.join(", ");
}

// state: the page's state (members, me, hands, lobby, audience); send(frame); isModerator().
export function createPeople({ state, send, isModerator }) {
  function memberControls(member) {
    const row = document.createElement("div");
    row.className = "button-row room__member-controls";
    const name = member.name;
    const act = (type) => () => send({ type, member: member.id });
    if (!member.moderator) {
      const lift = (label, kind) => {
        const button = smallButton(label, name, () => send({ type: "member.unmute", member: member.id, kind }));
        button.dataset.lift = kind;
        return button;
      };
      if (member.audio_muted) {
        row.append(lift(t("Allow microphone"), "audio"));
      } else if (member.may_publish) {
        row.append(smallButton(t("Mute"), name, act("member.mute")));
      }
      if (member.video_stopped) {
        row.append(lift(t("Allow camera"), "video"));
      } else if (member.may_publish) {
        row.append(smallButton(t("Stop video"), name, act("member.stop_video")));
      }
      if (member.may_speak) {
        row.append(smallButton(t("Take back speaking"), name, act("speak.revoke")));
      } else if (!member.may_publish) {
        row.append(smallButton(t("Let speak"), name, act("speak.grant")));
      }
      if (member.role === "speaker") {
        row.append(smallButton(t("Make participant"), name, act("member.demote")));
      } else {
        row.append(smallButton(t("Make speaker"), name, act("member.promote")));
      }
      row.append(
        smallButton(
          t("Remove"),
          name,
          () => {
            if (window.confirm(fmt(t("Remove %(name)s? They cannot join again."), { name }))) act("member.remove")();
          },
          true,
        ),
      );
    }
    return row;
  }

  function renderPeople() {
    const list = $("people-list");
    const members = [...state.members.values()].sort(
      (a, b) => Number(b.moderator) - Number(a.moderator) || Number(b.is_hall) - Number(a.is_hall) || a.name.localeCompare(b.name),
    );
    list.replaceChildren(
      ...members.map((member) => {
        const li = document.createElement("li");
        li.dataset.member = String(member.id);
        const name = document.createElement("span");
        name.className = "room__name";
        name.textContent = member.name + (state.me && member.id === state.me.id ? " " + t("(you)") : "");
        const label = document.createElement("span");
        label.className = "room__role";
        label.textContent = memberLabel(member);
        li.append(name, " ", label);
        if (isModerator() && state.me && member.id !== state.me.id) li.append(memberControls(member));
        return li;
      }),
    );
    if (state.audience) {
      const more = document.createElement("li");
      more.className = "room__audience";
      more.textContent = fmt(t("and %(count)s more in the audience"), { count: state.audience });
      list.append(more);
    }
    $("people-count").textContent = String(members.length + (state.audience || 0));
  }

  function renderHands() {
    const list = $("hand-queue");
    const items = state.hands
      .map((id) => state.members.get(id))
      .filter(Boolean)
      .map((member) => {
        const li = document.createElement("li");
        li.dataset.member = String(member.id);
        const name = document.createElement("span");
        name.textContent = member.name;
        li.append(name);
        if (isModerator()) {
          const row = document.createElement("div");
          row.className = "button-row";
          row.append(
            smallButton(t("Let speak"), member.name, () => send({ type: "speak.grant", member: member.id })),
            smallButton(t("Lower hand"), member.name, () => send({ type: "hand.lower", member: member.id })),
          );
          li.append(row);
        }
        return li;
      });
    list.replaceChildren(...items);
    $("no-hands").hidden = items.length > 0;
  }

  function renderLobby() {
    const list = $("lobby-list");
    const items = state.lobby.map((entry) => {
      const li = document.createElement("li");
      li.dataset.member = String(entry.id);
      const name = document.createElement("span");
      name.textContent = entry.name;
      const row = document.createElement("div");
      row.className = "button-row";
      row.append(
        smallButton(t("Let in"), entry.name, () => send({ type: "lobby.admit", member: entry.id })),
        smallButton(t("Turn away"), entry.name, () => send({ type: "lobby.decline", member: entry.id }), true),
      );
      li.append(name, row);
      return li;
    });
    list.replaceChildren(...items);
    $("no-lobby").hidden = items.length > 0;
  }

  return { renderPeople, renderHands, renderLobby };
}
