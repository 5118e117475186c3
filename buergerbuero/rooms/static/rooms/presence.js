// Presence checks of a group session: a moderator starts one (the form in the moderation panel) and sees
// how many answered; everyone else gets the prompt with a countdown and answers with one button.

import { fmt, t } from "/static/core/i18n.js";

const $ = (id) => document.getElementById(id);

// state: the page's state (its `presence`: the running check, or null); send(frame); isModerator();
// setNotice(text).
export function createPresence({ state, send, isModerator, setNotice }) {
  let countdownTimer = null;

  function stopCountdown() {
    if (countdownTimer !== null) window.clearInterval(countdownTimer);
    countdownTimer = null;
  }

  function showStatus(presence) {
    state.presence = { ...presence, answers: presence.answers || 0 };
    $("presence-status").textContent = fmt(t("Presence check running: %(answers)s answers so far."), { answers: state.presence.answers });
  }

  function hide() {
    stopCountdown();
    $("presence-prompt").hidden = true;
    state.presence = null;
  }

  function show(presence) {
    if (isModerator()) {
      showStatus(presence);
      return;
    }
    state.presence = presence;
    $("presence-prompt").hidden = false;
    $("presence-text").textContent = t("Please confirm that you are still following the session.");
    $("presence-button").focus();
    stopCountdown();
    const tick = () => {
      const left = Math.max(0, Math.round((new Date(presence.deadline).getTime() - Date.now()) / 1000));
      $("presence-countdown").textContent = fmt(t("%(seconds)s seconds left"), { seconds: left });
      if (left <= 0) {
        hide();
        setNotice(t("The time to answer the presence check is over."));
      }
    };
    tick();
    countdownTimer = window.setInterval(tick, 1000);
  }

  // room.presence_answer: a moderator counts it; the member who answered puts the prompt away.
  function answered(frame) {
    if (isModerator()) {
      if (state.presence && state.presence.check === frame.check) {
        state.presence.answers += 1;
        $("presence-status").textContent = fmt(t("Presence check running: %(answers)s answers so far."), { answers: state.presence.answers });
      }
      return;
    }
    if (state.me && frame.member === state.me.id) {
      hide();
      setNotice(t("Thank you, your presence is confirmed."));
    }
  }

  $("presence-button").addEventListener("click", () => {
    if (state.presence) send({ type: "presence.answer", check: state.presence.check });
  });
  $("presence-form").addEventListener("submit", (event) => {
    event.preventDefault();
    send({ type: "presence.start", seconds: Number($("presence-seconds").value) });
  });

  return { show, showStatus, answered, hide, stopCountdown };
}
