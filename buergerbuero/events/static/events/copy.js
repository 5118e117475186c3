// Staff event page: a "copy" button beside each secret link (invitation, meeting hall). Without script
// the link stays selectable text; the button appears only when the clipboard can be written.

const status = document.getElementById("copy-status");

for (const button of document.querySelectorAll("[data-copy-target]")) {
  const target = document.getElementById(button.dataset.copyTarget);
  if (!target || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(target.value || target.textContent.trim());
      status.textContent = button.dataset.done;
    } catch {
      target.select?.();
      status.textContent = button.dataset.failed;
    }
  });
}
