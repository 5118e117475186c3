// Small helpers that the workspace's modules share.

export const $ = (id) => document.getElementById(id);

// An action URL of the page's config (reversed with the id 0) for the object `id`.
export const withId = (url, id) => url.replace("/0/", `/${id}/`);

export function cloneTemplate(id) {
  return $(id).content.firstElementChild.cloneNode(true);
}

// A <template>'s copy gets ids of its own: `placeholder` in its ids and references becomes `id`.
export function fillIds(root, placeholder, id) {
  for (const el of root.querySelectorAll("[id], [for], [aria-labelledby], [aria-controls], [aria-describedby]")) {
    for (const attr of ["id", "for", "aria-labelledby", "aria-controls", "aria-describedby"]) {
      const value = el.getAttribute(attr);
      if (value && value.includes(placeholder)) el.setAttribute(attr, value.replaceAll(placeholder, String(id)));
    }
  }
  for (const attr of ["aria-labelledby"]) {
    const value = root.getAttribute(attr);
    if (value && value.includes(placeholder)) root.setAttribute(attr, value.replaceAll(placeholder, String(id)));
  }
}

// A status line (role="status") is written only when its text changes, so it is not read out twice.
export function notice(text, element = $("workspace-notice")) {
  if (element.textContent !== text) element.textContent = text;
}
