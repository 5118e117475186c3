// One WebSocket per page (docs/architecture.md, "WebSocket protocol").
//
//   import { connect } from "/static/core/socket.js";
//   const socket = connect("/ws/ticket/", { onFrame(frame) {}, onOpen() {}, onClose(event) {} });
//   socket.send({ type: "chat", text: "…" });   // false when the socket is not open
//   socket.close();                               // for good: no reconnect
//
// The URL follows the page's scheme (wss on https). The page pings every 20 s; when the socket closes
// it reconnects with backoff and jitter: 1 s, doubling to 3 s for the first twenty tries (about 45 s: a
// worker restarting, also on a busy machine, Redis or PostgreSQL coming back; a page that waited 30 s
// more would find the server back long before it tried), then doubling on to 30 s; the server's next
// snapshot replaces all client state. Close codes in `finalCodes` (not allowed, no such ticket,
// taken over by another page) end it for good, since trying again cannot help.

const PING_MS = 20000;
const MIN_DELAY_MS = 1000;
const QUICK_MAX_DELAY_MS = 3000;
const QUICK_ATTEMPTS = 20;
const MAX_DELAY_MS = 30000;

// The longest wait before try number `attempt` (0-based); the wait is between half of it and all of it.
export function retryCeiling(attempt) {
  if (attempt < QUICK_ATTEMPTS) return Math.min(QUICK_MAX_DELAY_MS, MIN_DELAY_MS * 2 ** attempt);
  return Math.min(MAX_DELAY_MS, QUICK_MAX_DELAY_MS * 2 ** (attempt - QUICK_ATTEMPTS + 1));
}

export function connect(path, { onFrame = () => {}, onOpen = () => {}, onClose = () => {}, finalCodes = [4403, 4404, 4409] } = {}) {
  const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  const url = scheme + window.location.host + path;
  let ws = null;
  let pingTimer = null;
  let retryTimer = null;
  let attempt = 0;
  let stopped = false;

  function open() {
    retryTimer = null;
    ws = new WebSocket(url);
    ws.addEventListener("open", () => {
      attempt = 0;
      pingTimer = window.setInterval(() => send({ type: "ping", t: Date.now() }), PING_MS);
      onOpen();
    });
    ws.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (!frame || typeof frame.type !== "string" || frame.type === "pong") return;
      onFrame(frame);
    });
    ws.addEventListener("close", (event) => {
      window.clearInterval(pingTimer);
      pingTimer = null;
      const final = stopped || finalCodes.includes(event.code);
      onClose(event, { final });
      if (!final) schedule();
    });
  }

  function schedule() {
    if (retryTimer !== null || stopped) return;
    const ceiling = retryCeiling(attempt);
    attempt += 1;
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    retryTimer = window.setTimeout(open, delay);
  }

  function send(obj) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(obj));
    return true;
  }

  function close() {
    stopped = true;
    window.clearTimeout(retryTimer);
    window.clearInterval(pingTimer);
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000);
  }

  // Back online: try at once rather than waiting out the backoff.
  window.addEventListener("online", () => {
    if (stopped || retryTimer === null) return;
    window.clearTimeout(retryTimer);
    retryTimer = null;
    attempt = 0;
    open();
  });

  open();
  return { send, close };
}
