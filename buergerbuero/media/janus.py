"""A small client of the Janus API over WebSockets, used by our server only (browsers never reach Janus).

One connection carries any number of Janus sessions. Every request gets a transaction id; the reader
task hands each response to the request that waits for it. Janus answers synchronous requests with
``success`` or ``error``; asynchronous plugin requests with ``ack`` first and the plugin's ``event``
later, under the same transaction, which ``request`` waits for.

Events without a waiting request (a publisher joined, ``webrtcup``, ``hangup``, a session's
``timeout``) are routed by their ``session_id``: to the queue of ``session_events(session)`` for a
session this client created or claimed, else to ``events``. When the connection is lost, ``closed`` is
set, every waiting request fails with ``ConnectionError`` and every session queue receives
``LOST`` (``{"janus": "lost"}``), so a task blocked on ``queue.get()`` wakes up.

    client = await JanusClient.connect("ws://127.0.0.1:8188", api_secret)
    session = await client.create_session()
    handle = await client.attach(session, "janus.plugin.videoroom")
    data, jsep = await client.message(session, handle, {"request": "exists", "room": 1234})
    event = await client.session_events(session).get()
    await client.close()
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from typing import Any

import websockets
from websockets.typing import Subprotocol

from buergerbuero.core.tasks import cancel_and_wait

PROTOCOL = Subprotocol("janus-protocol")
# What a session queue receives when the connection to Janus is lost (not a Janus message).
LOST: dict[str, Any] = {"janus": "lost"}


class JanusError(Exception):
    """Janus (or one of its plugins) refused a request."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


class JanusClient:
    def __init__(self, connection: Any, api_secret: str, timeout: float) -> None:
        self.connection = connection
        self.api_secret = api_secret
        self.timeout = timeout
        self.pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        # Transactions whose answer is the ack itself (keepalive, trickle).
        self.ack_is_answer: set[str] = set()
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.sessions: dict[int, asyncio.Queue[dict[str, Any]]] = {}
        # Set once the connection is gone (lost or closed); the client is then of no further use.
        self.closed = asyncio.Event()
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, url: str, api_secret: str, timeout: float = 10) -> JanusClient:
        connection = await asyncio.wait_for(
            websockets.connect(url, subprotocols=[PROTOCOL], open_timeout=timeout, max_size=2**22),
            timeout,
        )
        return cls(connection, api_secret, timeout)

    @property
    def is_closed(self) -> bool:
        return self.closed.is_set()

    async def close(self) -> None:
        await cancel_and_wait(self.reader)
        with contextlib.suppress(Exception):
            await self.connection.close()

    async def _read(self) -> None:
        try:
            async for raw in self.connection:
                message = json.loads(raw)
                if not isinstance(message, dict):
                    continue
                transaction = str(message.get("transaction") or "")
                future = self.pending.get(transaction) if transaction else None
                if message.get("janus") == "ack":
                    # An ack answers only keepalives and trickles. Others are dropped: a plugin may
                    # send its event before Janus sends the ack, which then arrives after the answer.
                    if future is not None and transaction in self.ack_is_answer:
                        self.pending.pop(transaction, None)
                        if not future.done():
                            future.set_result(message)
                elif future is not None:
                    self.pending.pop(transaction, None)
                    if not future.done():
                        future.set_result(message)
                else:
                    self._route(message)
        finally:
            self.closed.set()
            for future in self.pending.values():
                if not future.done():
                    future.set_exception(ConnectionError("the connection to Janus was lost"))
            self.pending.clear()
            for queue in self.sessions.values():
                queue.put_nowait(dict(LOST))
            self.sessions.clear()

    def _route(self, message: dict[str, Any]) -> None:
        session = message.get("session_id")
        queue = self.sessions.get(session) if isinstance(session, int) else None
        if queue is None or not isinstance(session, int):
            self.events.put_nowait(message)
            return
        queue.put_nowait(message)
        if message.get("janus") == "timeout":
            # Janus has dropped the session: nothing more will come for it.
            self.sessions.pop(session, None)

    def session_events(self, session: int) -> asyncio.Queue[dict[str, Any]]:
        """The queue of the unsolicited events of ``session`` (created with the session; one queue per
        session, so one reader per session)."""
        return self.sessions.setdefault(session, asyncio.Queue())

    def forget_session(self, session: int) -> None:
        """Stop routing events of ``session`` (further ones go to ``events``)."""
        self.sessions.pop(session, None)

    async def request(self, payload: dict[str, Any], ack_is_answer: bool = False) -> dict[str, Any]:
        """Send one request and return Janus's final answer (after an ``ack``, the plugin's event;
        with ``ack_is_answer`` the ack itself, as for a keepalive). Raises ``JanusError`` for a
        refusal, ``ConnectionError`` when the connection is (or gets) lost, ``TimeoutError``."""
        if self.closed.is_set():
            raise ConnectionError("the connection to Janus was lost")
        transaction = secrets.token_hex(8)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[transaction] = future
        if ack_is_answer:
            self.ack_is_answer.add(transaction)
        try:
            try:
                await self.connection.send(
                    json.dumps({**payload, "transaction": transaction, "apisecret": self.api_secret})
                )
            except websockets.ConnectionClosed as closed:
                raise ConnectionError("the connection to Janus was lost") from closed
            answer = await asyncio.wait_for(future, self.timeout)
        finally:
            self.pending.pop(transaction, None)
            self.ack_is_answer.discard(transaction)
        if answer.get("janus") == "error":
            error = answer.get("error", {})
            raise JanusError(int(error.get("code", 0)), str(error.get("reason", "")))
        plugin = answer.get("plugindata", {}).get("data", {})
        if isinstance(plugin, dict) and "error_code" in plugin:
            raise JanusError(int(plugin["error_code"]), str(plugin.get("error", "")))
        return answer

    async def create_session(self) -> int:
        session = int((await self.request({"janus": "create"}))["data"]["id"])
        self.session_events(session)
        return session

    async def claim_session(self, session: int) -> None:
        """Take over a session created over another connection (e.g. by a worker that restarted)
        within Janus's ``reclaim_session_timeout``; its events come to this client from then on."""
        await self.request({"janus": "claim", "session_id": session})
        self.session_events(session)

    async def attach(self, session: int, plugin: str) -> int:
        answer = await self.request({"janus": "attach", "session_id": session, "plugin": plugin})
        return int(answer["data"]["id"])

    async def message(
        self, session: int, handle: int, body: dict[str, Any], jsep: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        payload: dict[str, Any] = {
            "janus": "message",
            "session_id": session,
            "handle_id": handle,
            "body": body,
        }
        if jsep is not None:
            payload["jsep"] = jsep
        answer = await self.request(payload)
        return answer.get("plugindata", {}).get("data", {}), answer.get("jsep")

    async def trickle(self, session: int, handle: int, candidate: dict[str, Any] | str | None) -> None:
        """Hand Janus one ICE candidate of the browser (``RTCIceCandidate.toJSON()``), or the end of
        the candidates: ``None``, ``"completed"`` or an empty candidate string."""
        if (
            candidate is None
            or candidate == "completed"
            or (
                isinstance(candidate, dict) and (candidate.get("completed") or not candidate.get("candidate"))
            )
        ):
            body: dict[str, Any] = {"completed": True}
        elif isinstance(candidate, dict):
            body = {
                key: candidate[key]
                for key in ("candidate", "sdpMid", "sdpMLineIndex")
                if candidate.get(key) is not None
            }
        else:
            raise ValueError("a candidate is a dict, None or 'completed'")
        await self.request(
            {"janus": "trickle", "session_id": session, "handle_id": handle, "candidate": body},
            ack_is_answer=True,
        )

    async def keepalive(self, session: int) -> None:
        await self.request({"janus": "keepalive", "session_id": session}, ack_is_answer=True)

    async def hangup(self, session: int, handle: int) -> None:
        """End the handle's PeerConnection (the handle stays attached)."""
        await self.request({"janus": "hangup", "session_id": session, "handle_id": handle})

    async def detach(self, session: int, handle: int) -> None:
        await self.request({"janus": "detach", "session_id": session, "handle_id": handle})

    async def destroy_session(self, session: int) -> None:
        try:
            await self.request({"janus": "destroy", "session_id": session})
        finally:
            self.forget_session(session)
