"""Helpers for the interop tests: receivers of a live stream on 127.0.0.1 or ::1, each
collecting on a thread (:class:`Receiver`, ASTERIX by iamd's own UDP reader; :class:`Listener`,
Cursor-on-Target by a plain UDP or TCP socket); ``iamd run`` of a scenario with its stream
sent to one of them (the :func:`run_streaming` fixture); ``iamd run`` with flags it refuses
(the :func:`run_refused` fixture); a clock that drives a stream's pacer by hand (the
:func:`clock` fixture)."""

from __future__ import annotations

import socket
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

import pytest

from iamd.cli import main
from iamd.interop.asterix.capture import UdpStats, open_udp, udp_blocks

T = TypeVar("T")


class _Collector(Generic[T]):
    """A socket on 127.0.0.1 read on a thread (``_serve``, until ``stop`` is set) and closed
    by :meth:`close`, which returns what was received."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.port: int = sock.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        raise NotImplementedError

    def _received(self) -> list[T]:
        raise NotImplementedError

    def close(self) -> list[T]:
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()
        return self._received()


class Receiver(_Collector[bytes]):
    """iamd's UDP reader on ``host`` (127.0.0.1; ``::1`` for IPv6) or a multicast group (a
    free port), collecting data blocks on a thread. An IPv4 group is joined on the loopback
    interface, where the stream's iface sends; an IPv6 group on ``interface`` (a name)."""

    def __init__(
        self, group: str | None = None, *, host: str = "127.0.0.1", interface: str = "127.0.0.1"
    ) -> None:
        if group is None:
            sock = open_udp(0, host=host, timeout_s=0.2)
        else:
            sock = open_udp(0, group=group, interface=interface, timeout_s=0.2)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.blocks: list[bytes] = []
        self.stats = UdpStats()
        super().__init__(sock)

    def _serve(self) -> None:
        while not self.stop.is_set():  # udp_blocks returns at each 0.2 s without a datagram
            self.blocks.extend(udp_blocks(self.sock, stats=self.stats))

    def _received(self) -> list[bytes]:
        return self.blocks


class Listener(_Collector[ET.Element]):
    """A Cursor-on-Target listener on ``host`` (127.0.0.1; ``::1`` for IPv6): a plain UDP or
    TCP socket collecting the events it receives (each parsed as XML) on a thread."""

    def __init__(self, protocol: str, host: str = "127.0.0.1") -> None:
        kind = socket.SOCK_DGRAM if protocol == "udp" else socket.SOCK_STREAM
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, kind)
        sock.bind((host, 0))
        self.protocol = protocol
        self.raw: list[bytes] = []
        self.ended = 0  # TCP connections read to their end
        if protocol == "tcp":
            sock.listen(1)
        sock.settimeout(0.2)
        super().__init__(sock)

    def _serve(self) -> None:
        conn = None
        buf = b""
        while not self.stop.is_set():
            try:
                if self.protocol == "udp":
                    data, _ = self.sock.recvfrom(65536)
                    self.raw.append(data)
                    continue
                if conn is None:
                    conn, _ = self.sock.accept()
                    conn.settimeout(0.2)
                data = conn.recv(65536)
                if not data:
                    conn.close()
                    conn = None
                    self.ended += 1
                    continue
                buf += data
            except TimeoutError:
                continue
        if buf:  # a TCP stream of events, each starting with its XML declaration
            self.raw += [b"<?xml" + part for part in buf.split(b"<?xml") if part]
        if conn is not None:
            conn.close()

    def _received(self) -> list[ET.Element]:
        return [ET.fromstring(r) for r in self.raw]


RunStreaming = Callable[..., tuple[int, list[Any]]]


@pytest.fixture
def run_streaming(tmp_path: Path) -> RunStreaming:
    """``run_streaming(scenario, receiver, url, *flags, name="s.yaml")``: the scenario text
    written to ``tmp_path / name`` and run by ``iamd run`` (outputs in ``tmp_path / "out"``,
    no report, quiet, the ``flags``) with ``--stream url``; the receiver closed however the
    run ends. Returns the exit code and what the receiver received."""

    def run(
        scenario: str, receiver: _Collector[Any], url: str, *flags: str, name: str = "s.yaml"
    ) -> tuple[int, list[Any]]:
        src = tmp_path / name
        src.write_text(scenario, encoding="utf-8")
        argv = ["run", str(src), "--out", str(tmp_path / "out"), "--no-report", "--quiet"]
        try:
            code = main([*argv, *flags, "--stream", url])
        finally:
            received = receiver.close()
        return code, received

    return run


RunRefused = Callable[..., tuple[int, str]]


@pytest.fixture
def run_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> RunRefused:
    """``run_refused(scenario, *flags)``: the scenario text written to ``tmp_path / "s.yaml"``
    and run by ``iamd run`` (outputs in ``tmp_path / "out"``, quiet, the ``flags``), as a run
    that should stop before it starts. Returns the exit code and what it wrote to stderr."""

    def run(scenario: str, *flags: str) -> tuple[int, str]:
        src = tmp_path / "s.yaml"
        src.write_text(scenario, encoding="utf-8")
        code = main(["run", str(src), "--out", str(tmp_path / "out"), "--quiet", *flags])
        return code, capsys.readouterr().err

    return run


class FakeClock:
    """A monotonic clock that moves only when slept on (or set by hand), recording each
    sleep: a stream's pacer driven without waiting."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.slept.append(s)
        self.now += s


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
