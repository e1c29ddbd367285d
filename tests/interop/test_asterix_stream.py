"""The live ASTERIX stream (``iamd run --stream asterix://GROUP:PORT``): a run's CAT062 picture
sent over UDP as the clock runs, received by iamd's own UDP reader
(`iamd.interop.asterix.capture.udp_blocks`) and compared block for block with what
``--out-asterix`` writes for the same run and seed; its URLs and their errors.

The scenario is ``asterix_small.yaml`` (drones, ballistic missiles, a fighter, a light
aircraft, an airliner on a filed flight plan) for four minutes.
"""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pandas as pd
import pytest

from iamd.errors import InputError
from iamd.interop.asterix import decode, split_blocks
from iamd.interop.asterix.capture import decode_stream
from iamd.interop.export.stream import (
    AsterixEndpoint,
    AsterixSender,
    AsterixStream,
    Pacer,
    parse_asterix_url,
)
from iamd.scenario.loader import load_scenario_text

from .conftest import FakeClock, Receiver, RunRefused, RunStreaming

SCENARIO = (Path(__file__).with_name("asterix_small.yaml")).read_text(encoding="utf-8")


def _rows(t: pd.DataFrame) -> pd.DataFrame:
    extra = ("offset", "block_offset", "segment", "time_s", "src", "dst")
    return t.drop(columns=[c for c in extra if c in t.columns]).reset_index(drop=True)


def test_stream_received_over_udp_is_the_out_asterix_picture_block_for_block(
    tmp_path: Path, run_streaming: RunStreaming
) -> None:
    raw = tmp_path / "picture.ast"
    rx = Receiver()
    code, received = run_streaming(
        SCENARIO, rx, f"asterix://127.0.0.1:{rx.port}",
        "--seed", "1", "--out-asterix", str(raw), "--stream-speed", "200",
    )  # fmt: skip
    assert code == 0
    written = split_blocks(raw.read_bytes())
    assert len(written) > 100  # 120 steps of 2 s, a block per step once tracks exist
    assert rx.stats.bad_datagrams == 0 and rx.stats.datagrams == len(received)
    assert received == written  # the same bytes, block for block, in order
    got = decode_stream(received).cat062
    want = decode(raw.read_bytes()).cat062
    pd.testing.assert_frame_equal(_rows(got), _rows(want))
    assert {"plan_callsign", "identity"} <= set(got.columns)
    assert (got["plan_callsign"] == "ROT601").any()  # I062/390 live too


def test_a_multicast_group_receives_the_same_blocks(
    tmp_path: Path, run_streaming: RunStreaming
) -> None:
    raw = tmp_path / "picture.ast"
    try:
        rx = Receiver(group="239.255.0.62")
    except InputError as exc:  # no multicast route on this machine
        pytest.skip(str(exc))
    code, received = run_streaming(
        SCENARIO.replace("duration_s: 240", "duration_s: 60"), rx,
        f"asterix://239.255.0.62:{rx.port}?ttl=1&iface=127.0.0.1",
        "--seed", "2", "--out-asterix", str(raw), "--stream-speed", "200",
    )  # fmt: skip
    assert code == 0
    assert received and received == split_blocks(raw.read_bytes())


def test_the_stream_is_paced_at_the_chosen_multiple_of_real_time(clock: FakeClock) -> None:
    pacer = Pacer(10.0, clock.sleep, clock.monotonic)
    pacer.wait(0.0)
    pacer.wait(20.0)  # 20 s of scenario at 10x: 2 s of wall time
    clock.now += 3.0  # the engine fell behind: no wait, no catching up
    pacer.wait(22.0)
    assert clock.slept == [pytest.approx(2.0)]


def test_a_step_without_tracks_sends_nothing_and_the_hook_paces_it() -> None:
    import numpy as np

    from iamd.sim.pictures import StepPicture

    sent: list[list[bytes]] = []

    class Sender(AsterixSender):
        def send(self, blocks):  # type: ignore[no-untyped-def]
            sent.append(list(blocks))

    waited: list[float] = []

    class Recorder(Pacer):
        def wait(self, t_s: float) -> None:
            waited.append(t_s)

    sc = load_scenario_text(SCENARIO, "asterix_small.yaml").scenario
    stream = AsterixStream(
        sender=Sender(endpoint=AsterixEndpoint(host="127.0.0.1", port=1)),
        scenario=sc,
        pacer=Recorder(),
    )
    z = np.zeros(0, dtype=np.int64)
    stream(
        StepPicture(t_s=4.0, names=("joint",), picture=z, number=z, entity=z,
                    state_ecef=np.zeros((0, 6)), covar_ecef=np.zeros((0, 6, 6)),
                    identity=np.zeros(0, dtype=np.int8), cls=np.zeros(0, dtype=str))
    )  # fmt: skip
    assert waited == [4.0] and sent == []


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        ("asterix://239.255.0.62:8600", AsterixEndpoint(host="239.255.0.62", port=8600)),
        ("asterix://127.0.0.1:65535", AsterixEndpoint(host="127.0.0.1", port=65535)),
        ("asterix://239.255.0.62:8600?ttl=4&iface=127.0.0.1",
         AsterixEndpoint(host="239.255.0.62", port=8600, ttl=4, interface="127.0.0.1")),
    ],
)  # fmt: skip
def test_asterix_urls(url: str, endpoint: AsterixEndpoint) -> None:
    assert parse_asterix_url(url) == endpoint


def test_multicast_ttl_is_1_by_default_and_set_by_the_url() -> None:
    ttls = []
    for url in ("asterix://239.255.0.62:8600", "asterix://239.255.0.62:8600?ttl=3"):
        sender = AsterixSender.from_url(url)
        sender.open()
        assert sender._sock is not None
        ttls.append(sender._sock.getsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL))
        sender.close()
    assert ttls == [1, 3]


RULE = "use asterix://GROUP:PORT[?ttl=N&iface=ADDRESS] with GROUP an IPv4 multicast"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("udp://127.0.0.1:8600", "error: --stream: 'udp://127.0.0.1:8600' is not a stream "
         "endpoint; use cot://HOST:PORT or cot+udp://HOST:PORT (UDP), cot+tcp://HOST:PORT "
         "(TCP) for Cursor-on-Target, asterix://GROUP:PORT[?ttl=N&iface=ADDRESS] for ASTERIX "
         "CAT062 over UDP"),
        ("asterix://radar.example:8600", "error: --stream: 'asterix://radar.example:8600' has "
         f"no IPv4 address ('radar.example'); {RULE}"),
        ("asterix://239.1.2.300:8600", "error: --stream: 'asterix://239.1.2.300:8600' has no "
         "IPv4 address"),
        ("asterix://0.0.0.0:8600", "error: --stream: 'asterix://0.0.0.0:8600' has no address "
         "to send to"),
        ("asterix://239.255.0.62", f"error: --stream: 'asterix://239.255.0.62' has no port; "
         f"{RULE}"),
        ("asterix://239.255.0.62:0", f"error: --stream: 'asterix://239.255.0.62:0' has port 0; "
         f"{RULE}"),
        ("asterix://239.255.0.62:65536", "error: --stream: 'asterix://239.255.0.62:65536' has a "
         f"bad port ('65536'); {RULE}"),
        ("asterix://239.255.0.62:8600/cat062", "error: --stream: "
         "'asterix://239.255.0.62:8600/cat062' has a path"),
        ("asterix://127.0.0.1:8600?ttl=2", "error: --stream: 'asterix://127.0.0.1:8600?ttl=2': "
         "option 'ttl' is for a multicast group (224.0.0.0/4) only and 127.0.0.1 is not one"),
        ("asterix://10.0.0.1:8600?iface=10.0.0.2", "error: --stream: "
         "'asterix://10.0.0.1:8600?iface=10.0.0.2': option 'iface' is for a multicast group"),
        ("asterix://239.255.0.62:8600?ttl=256", "error: --stream: "
         "'asterix://239.255.0.62:8600?ttl=256': ttl must be an integer 1-255 (got '256')"),
        ("asterix://239.255.0.62:8600?iface=eth0", "error: --stream: "
         "'asterix://239.255.0.62:8600?iface=eth0': iface must be the IPv4 address of an "
         "interface (got 'eth0')"),
        ("asterix://239.255.0.62:8600?sac=1", "error: --stream: "
         "'asterix://239.255.0.62:8600?sac=1': unknown option 'sac'; allowed: ttl, iface"),
    ],
)  # fmt: skip
def test_a_bad_asterix_url_exits_2_with_one_line_before_the_run(
    url: str, message: str, tmp_path: Path, run_refused: RunRefused
) -> None:
    code, err = run_refused(SCENARIO, "--stream", url)
    assert code == 2
    assert err.startswith(message), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()  # refused before the run
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_parse_asterix_url_names_the_flag() -> None:
    with pytest.raises(InputError, match=r"^--stream: 'cot://127.0.0.1:1' is not an ASTERIX"):
        parse_asterix_url("cot://127.0.0.1:1")
