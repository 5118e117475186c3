// A page load's own id (new on every load, kept across reconnects of its socket): the server tells a
// reload from a reconnect by it (docs/architecture.md, "One page holds the call"). 32 hex digits or a
// UUID, both within the sockets' `page` format (8–64 of A–Z a–z 0–9 - _).

export function newPageId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}
