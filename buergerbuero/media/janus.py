"""A small client of the Janus API over WebSockets, used by our server only (browsers never reach Janus).

One connection carries any number of Janus sessions. Every request gets a transaction id; the reader
task hands each response to the request that waits for it. Janus answers synchronous requests with
``success`` or ``error``; asynchronous plugin requests with ``ack`` first and the plugin's ``event``
later, under the same transaction, which ``request`` waits for. Events without a waiting request
(a publisher joined, a participant left) go to ``events``, a queue the caller reads.

    client = await JanusClient.connect("ws://127.0.0.1:8188", api_secret)
    session = await client.create_session()
    handle = await client.attach(session, "janus.plugin.videoroom")
    data, jsep = await client.message(session, handle, {"request": "exists", "room": 1234})
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

PROTOCOL = Subprotocol("janus-protocol")


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
        # Transactions whose answer is the ack itself (keepalive).
        self.ack_is_answer: set[str] = set()
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, url: str, api_secret: str, timeout: float = 10) -> JanusClient:
        connection = await asyncio.wait_for(
            websockets.connect(url, subprotocols=[PROTOCOL], open_timeout=timeout, max_size=2**22),
            timeout,
        )
        return cls(connection, api_secret, timeout)

    async def close(self) -> None:
        self.reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.reader
        await self.connection.close()

    async def _read(self) -> None:
        try:
            async for raw in self.connection:
                message = json.loads(raw)
                transaction = message.get("transaction")
                future = self.pending.get(transaction) if transaction else None
                if future is not None and (
                    message.get("janus") != "ack" or transaction in self.ack_is_answer
                ):
                    self.pending.pop(transaction, None)
                    if not future.done():
                        future.set_result(message)
                elif future is None:
                    await self.events.put(message)
        finally:
            for future in self.pending.values():
                if not future.done():
                    future.set_exception(ConnectionError("the connection to Janus was lost"))
            self.pending.clear()

    async def request(self, payload: dict[str, Any], ack_is_answer: bool = False) -> dict[str, Any]:
        """Send one request and return Janus's final answer (after an ``ack``, the plugin's event;
        with ``ack_is_answer`` the ack itself, as for a keepalive)."""
        transaction = secrets.token_hex(8)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[transaction] = future
        if ack_is_answer:
            self.ack_is_answer.add(transaction)
        await self.connection.send(
            json.dumps({**payload, "transaction": transaction, "apisecret": self.api_secret})
        )
        try:
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
        return int((await self.request({"janus": "create"}))["data"]["id"])

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

    async def keepalive(self, session: int) -> None:
        await self.request({"janus": "keepalive", "session_id": session}, ack_is_answer=True)

    async def detach(self, session: int, handle: int) -> None:
        await self.request({"janus": "detach", "session_id": session, "handle_id": handle})

    async def destroy_session(self, session: int) -> None:
        await self.request({"janus": "destroy", "session_id": session})
