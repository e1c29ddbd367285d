"""A TCP relay that delays every byte by a fixed time in both directions: a wide-area link
between a node and the router, emulated in user space on loopback.

Kernel emulation (``tc qdisc ... netem`` in a network namespace) needs root and the
``sch_netem`` module; where it is missing, this relay still gives the delay (not loss: TCP
would retransmit a lost segment anyway, so loss shows up on the wire as delay spikes). Each
accepted connection is relayed to ``127.0.0.1:target_port``; chunks are forwarded in order
once ``delay_s`` after they were read. Bytes are relayed as they are: TLS runs end to end.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from dataclasses import dataclass, field


@dataclass(slots=True)
class DelayedLink:
    """A running relay on ``127.0.0.1:port`` (see the module docstring)."""

    target_port: int
    delay_s: float
    port: int = 0
    _loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    _thread: threading.Thread | None = None
    _ready: threading.Event = field(default_factory=threading.Event)
    _server: asyncio.AbstractServer | None = None

    def start(self) -> DelayedLink:
        """Start the relay's thread and wait until it listens."""
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(10.0)
        return self

    def stop(self) -> None:
        """Close the relay."""
        if self._server is not None:
            self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5.0)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", self.port)
        )
        self.port = int(self._server.sockets[0].getsockname()[1])
        self._ready.set()
        self._loop.run_forever()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(self._pipe(reader, up_w), self._pipe(up_r, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def send() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
            with contextlib.suppress(Exception):
                writer.close()

        sender = asyncio.ensure_future(send())
        with contextlib.suppress(Exception):
            while data := await reader.read(65536):
                await queue.put((time.monotonic() + self.delay_s, data))
        await queue.put((0.0, b""))
        with contextlib.suppress(Exception):
            await sender
