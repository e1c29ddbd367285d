"""The federation's Zenoh router: a process started by the project's own code.

``python -m iamd.federation.router CONFIG`` opens a Zenoh session in router mode with the
configuration file written by `iamd.federation.security.router_config` (TLS, users, access
control) and serves until SIGTERM or SIGINT. `start_router` writes the file, starts the
process on a free loopback port and waits until it accepts connections.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from iamd.errors import IamdError
from iamd.federation.security import FederationSecrets, router_config, to_json5
from iamd.procs import child_env, die_with_starter


@dataclass(slots=True)
class RouterProcess:
    """A running router: its port and process."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        """Terminate the router (then kill it if it does not exit within 5 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5.0)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5.0)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout_s: float = 15.0) -> bool:
    """True once 127.0.0.1:``port`` accepts a TCP connection (False after ``timeout_s``)."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return True
        time.sleep(0.05)
    return False


def start_router(
    sec: FederationSecrets,
    nations: Sequence[str],
    *,
    port: int | None = None,
    lease_ms: int = 2_000,
    observers: Sequence[str] = (),
) -> RouterProcess:
    """Write the router's configuration beside the secrets and start it on ``port`` (default:
    a free one); raises `IamdError` if it does not listen within 15 s."""
    port = free_port() if port is None else port
    cfg = sec.directory / "router.json5"
    cfg.write_text(
        to_json5(router_config(sec, nations, port, lease_ms=lease_ms, observers=observers))
    )
    log = sec.directory / "router.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "iamd.federation.router", str(cfg)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=child_env(),  # the router ends with the process that started it
        )
    router = RouterProcess(port=port, process=proc, log=log)
    if not wait_for_port(port):
        router.stop()
        raise IamdError(f"router did not listen on 127.0.0.1:{port}: {log.read_text()[-2000:]}")
    return router


def main(argv: Sequence[str] | None = None) -> int:
    """Serve as a router until SIGTERM/SIGINT (or the end of the process that started it)."""
    die_with_starter()
    import zenoh

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m iamd.federation.router CONFIG.json5", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    session = zenoh.open(zenoh.Config.from_file(args[0]))
    print("router listening", flush=True)
    stop.wait()
    session.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
