"""A node fed by ASTERIX: CAT048 plots and CAT034 service messages on UDP multicast, tracked
as ``iamd track`` tracks the same recording.

The stream is the project's synthetic multi-radar recording (`synthetic_cat048`: three
radars, twelve aircraft in gentle turns, each radar's north markers and sector crossings).
The sensor table leaves out the scan periods, so they come from the CAT034 messages.
"""

from __future__ import annotations

import contextlib
import io
import socket
import threading
import time

import numpy as np
import pandas as pd
import pytest
import yaml

from iamd.cli import main
from iamd.errors import InputError
from iamd.federation.asterix_feed import AsterixTracker
from iamd.federation.node import load_node_config
from iamd.geo.wgs84 import lla_to_ecef
from iamd.interop.asterix.encode import split_blocks
from iamd.interop.asterix.synthetic import synthetic_cat048
from iamd.interop.recording import sensors_from_mapping

GROUP = "239.255.0.48"
DURATION_S = 120.0
TOLERANCE_M = 1.0
"""The node runs iamd track's tracker on iamd track's windows: the same numbers, to rounding."""


@pytest.fixture(scope="module")
def stream(tmp_path_factory):
    """The synthetic recording, its sensor table (no scan periods) and iamd track's tracks."""
    d = tmp_path_factory.mktemp("ast")
    syn = synthetic_cat048(n_radars=3, n_targets=12, duration_s=DURATION_S, seed=3)
    table = dict(syn.sensors)
    table["sensors"] = [
        {k: v for k, v in s.items() if k != "scan_period_s"} for s in table["sensors"]
    ]
    (d / "radars.yaml").write_text(yaml.safe_dump(table, sort_keys=False))
    (d / "stream.ast").write_bytes(syn.data)
    rc = main(["track", str(d / "stream.ast"), "--sensors", str(d / "radars.yaml"),
               "--out", str(d / "tracks.csv")])  # fmt: skip
    assert rc == 0
    ref = pd.read_csv(d / "tracks.csv")
    ref_ecef = lla_to_ecef(
        np.radians(ref["lat_deg"].to_numpy()), np.radians(ref["lon_deg"].to_numpy()),
        ref["alt_m"].to_numpy(),
    ).reshape(-1, 3)  # fmt: skip
    return {"dir": d, "syn": syn, "table": sensors_from_mapping(table), "ref": ref,
            "ref_ecef": ref_ecef}  # fmt: skip


def _match(pos: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Distance from each reference position to the nearest of ``pos`` (m)."""
    if not len(pos):
        return np.full(len(ref), np.inf)
    return np.linalg.norm(ref[:, None, :] - pos[None, :, :], axis=2).min(axis=1)


def test_asterix_tracker_gives_the_tracks_of_iamd_track(stream):
    """In process, blocks handed over in arbitrary batches: each step's updated confirmed
    tracks are iamd track's rows of that time, track ids included."""
    at = AsterixTracker(stream["table"])
    blocks = split_blocks(stream["syn"].data)
    steps = []
    for i in range(0, len(blocks), 37):
        steps += at.add_blocks(blocks[i : i + 37])
    steps += at.flush()
    ref, ref_ecef = stream["ref"], stream["ref_ecef"]
    assert at.stats.service > 0 and at.stats.waited >= 0
    assert len(steps) == int(DURATION_S)  # one step per 1 s window, as iamd track
    rows = 0
    for st in steps:
        res = st.result
        upd = np.zeros(len(res.table), dtype=bool)
        upd[: res.n_before] = res.hit
        upd[np.unique(res.owner)] = True
        keep = upd & res.table.confirmed & ~res.drop
        at_t = np.flatnonzero(np.isclose(ref["t_s"].to_numpy(), st.t_s, rtol=0, atol=1e-6))
        assert sorted(res.table.ids[keep].tolist()) == sorted(ref["track_id"].iloc[at_t]), st.t_s
        mine = dict(zip(res.table.ids[keep].tolist(), res.table.state[keep, :3], strict=True))
        for j in at_t:
            d = np.linalg.norm(mine[int(ref["track_id"].iloc[j])] - ref_ecef[j])
            assert d <= TOLERANCE_M, (st.t_s, d)
            rows += 1
    assert rows == len(ref)


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_node_fed_by_asterix_on_udp_publishes_the_tracks_of_iamd_track(stream, tmp_path):
    """A node reads the stream from a multicast group on loopback, runs its tracker and
    publishes; every iamd track row is in the batch the node published at that time (within
    ``TOLERANCE_M``), and the last batch holds as many tracks as iamd track found. The
    observer may miss a batch of a burst (Zenoh drops a put under congestion by default), so
    98 % of iamd track's times must have their batch."""
    from iamd.federation.exercise import Federation
    from iamd.federation.messages import MessageError, decode

    port = _free_udp_port()
    feed = {"port": port, "group": GROUP, "interface": "127.0.0.1",
            "sensors": str(stream["dir"] / "radars.yaml")}  # fmt: skip
    batches: dict[float, np.ndarray] = {}
    lock = threading.Lock()
    with Federation.start(tmp_path / "fed", ["BGR", "GRC"], identify=False,
                          observers=["observer"], asterix={"GRC": feed}) as fed:  # fmt: skip
        assert "ASTERIX on UDP 239.255.0.48" in fed.log("GRC")
        obs = fed.open_session("observer")

        def on_batch(s):
            try:
                m = decode(s.payload.to_bytes())
            except MessageError:
                return
            with lock:
                batches[m.t_s] = m.records

        obs.declare_subscriber("iamd/fed/GRC/to/BGR/tracks", on_batch)
        time.sleep(0.5)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            tx.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
            tx.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
            for k, block in enumerate(split_blocks(stream["syn"].data)):
                tx.sendto(block, (GROUP, port))
                if k % 10 == 9:  # about 20 times real time
                    time.sleep(0.05)
        last_t = stream["ref"]["t_s"].max()
        end = time.monotonic() + 60.0
        while time.monotonic() < end:  # every window but the open one is published
            with lock:
                if any(t >= last_t - 1.5 for t in batches):
                    break
            time.sleep(0.1)
        fed.end(["GRC"])  # END closes the open window
        time.sleep(0.5)
        obs.close()
        stats = fed.stats("GRC")
        fed.end(["BGR"])
    ref, ref_ecef = stream["ref"], stream["ref_ecef"]
    assert stats["malformed"] == 0
    with lock:
        got = dict(batches)
    times = ref["t_s"].to_numpy()
    want = set(np.round(times, 6))
    missing = sorted(want - {round(t, 6) for t in got})
    assert len(missing) <= 0.02 * len(want), missing[:5]  # a sample the observer missed
    worst = 0.0
    for t, recs in got.items():
        at_t = np.isclose(times, t, rtol=0, atol=1e-6)
        if at_t.any():
            d = _match(recs["state"][:, :3], ref_ecef[at_t])
            worst = max(worst, float(d.max()))
    assert worst <= TOLERANCE_M, worst
    final = got[max(got)]
    assert len(final) == ref["track_id"].nunique() == 12
    assert len(np.unique(final["number"])) == len(final)


def test_node_listens_for_asterix_on_the_ipv6_loopback(stream, tmp_path):
    """A node configured with ``host: '::1'`` opens its feed over IPv6 (its own listener,
    in process: no router, no partners), receives every block sent to [::1]:PORT in order,
    and its tracker finds iamd track's 12 tracks. The node's publishing over Zenoh is the
    IPv4 test's above; the feed's socket is the only part IPv6 changes."""
    from iamd.federation.node import Node

    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
            port = int(s.getsockname()[1])
    except OSError as exc:
        pytest.skip(f"no IPv6 loopback here ({exc})")
    table = stream["dir"] / "radars.yaml"
    p = tmp_path / "node.yaml"
    p.write_text(
        GOOD.replace("group: 239.0.0.48", "host: '::1'").replace("port: 30048", f"port: {port}")
        .replace("radars.yaml", str(table)) + "identify: false\n"
    )  # fmt: skip
    node = Node(load_node_config(p))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        th = node._listen_asterix()
    assert out.getvalue() == f"node GRC ASTERIX on UDP [::1]:{port}\n"
    assert node._udp.family == socket.AF_INET6
    blocks = split_blocks(stream["syn"].data)
    got: list[bytes] = []
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as tx:
            for k in range(0, len(blocks), 20):
                for block in blocks[k : k + 20]:
                    tx.sendto(block, ("::1", port))
                while len(got) < min(k + 20, len(blocks)):
                    got.append(node._queue.get(timeout=5.0)[2])
    finally:
        node._stop.set()
        th.join(timeout=5.0)
        node._udp.close()
    assert got == blocks
    assert node.asterix is not None
    steps = node.asterix.add_blocks(got) + node.asterix.flush()
    assert len(steps) == int(DURATION_S)
    res = steps[-1].result
    confirmed = res.table.ids[res.table.confirmed & ~res.drop]
    assert len(confirmed) == stream["ref"]["track_id"].nunique() == 12


# --------------------------------------------------------------------------- configuration

GOOD = """nation: GRC
peers: [BGR]
router: {port: 7447, ca: /tmp/ca.pem}
credentials: {user: grc, password_file: /tmp/pw, cert: /tmp/c.pem, key: /tmp/c.key}
asterix: {port: 30048, group: 239.0.0.48, sensors: radars.yaml}
"""


IFACES = ", ".join(n for _i, n in socket.if_nameindex())
GROUP_RULE = (
    "must be a multicast group: an IPv4 address in 224.0.0.0/4 (e.g. 239.0.0.48) or an IPv6 "
    "one in ff00::/8 (e.g. ff15::48); names are not resolved"
)
HOST_RULE = (
    "must be a local IPv4 or IPv6 address to listen on: 0.0.0.0 (every IPv4 address), :: "
    "(every IPv6 one), 127.0.0.1, ::1, ...; names are not resolved"
)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("port: 30048", "port: 0"), "asterix.port: Input should be greater than 0 (got 0)"),
        (("port: 30048", "port: 70000"),
         "asterix.port: Input should be less than 65536 (got 70000)"),
        (("group: 239.0.0.48", "group: 10.1.2.3"), f"asterix.group: {GROUP_RULE} (got '10.1.2.3')"),
        (("group: 239.0.0.48", "group: 239.0.0.48, interface: lo"),
         "asterix.interface: must be the IPv4 address of a local interface for an IPv4 group, "
         "e.g. 127.0.0.1 (got 'lo')"),
        (("group: 239.0.0.48", "group: 239.0.0.48, window_s: 0"),
         "asterix.window_s: Input should be greater than 0 (got 0)"),
        (("group: 239.0.0.48", "group: 239.0.0.48, window_s: 90"),
         "asterix.window_s: Input should be less than or equal to 60 (got 90)"),
        (("sensors: radars.yaml", "radars: radars.yaml"),
         "asterix.sensors: Field required"),
        (("group: 239.0.0.48", "group: 239.0.0.48, simulated: maybe"),
         "asterix.simulated: Input should be a valid boolean"),
        # IPv6 groups: literals only, multicast only, the interface by name
        (("group: 239.0.0.48", "group: 'fd00::48'"),
         f"asterix.group: {GROUP_RULE} (got 'fd00::48')"),
        (("group: 239.0.0.48", "group: 'ff15::g'"), f"asterix.group: {GROUP_RULE} (got 'ff15::g')"),
        (("group: 239.0.0.48", "group: 'ff02::48%lo'"),
         f"asterix.group: {GROUP_RULE} (got 'ff02::48%lo')"),
        (("group: 239.0.0.48", "group: '[ff15::48]'"),
         f"asterix.group: {GROUP_RULE} (got '[ff15::48]')"),
        (("group: 239.0.0.48", "group: radar.example"),
         f"asterix.group: {GROUP_RULE} (got 'radar.example')"),
        (("group: 239.0.0.48", "group: 'ff02::48'"),
         "asterix.interface: ff02::48 is a link-local or interface-local group (ff02::/16, "
         f"ff01::/16): give the name of the interface to join on ({IFACES}) (got '0.0.0.0')"),
        (("group: 239.0.0.48", "group: 'ff01::48', interface: '::'"),
         "asterix.interface: ff01::48 is a link-local or interface-local group"),
        (("group: 239.0.0.48", "group: 'ff15::48', interface: no-such-if0"),
         "asterix.interface: must be the name of a network interface of this machine for an "
         f"IPv6 group ({IFACES}), or 0.0.0.0 for the system's choice (got 'no-such-if0')"),
        (("group: 239.0.0.48", "group: 'ff15::48', interface: 127.0.0.1"),
         "asterix.interface: must be the name of a network interface of this machine for an "
         "IPv6 group"),
        (("group: 239.0.0.48", "group: 239.0.0.48, interface: '::'"),
         "asterix.interface: must be the IPv4 address of a local interface for an IPv4 group, "
         "e.g. 127.0.0.1 (got '::')"),
        # unicast: host, IPv4 or IPv6, and no interface
        (("group: 239.0.0.48", "host: localhost"), f"asterix.host: {HOST_RULE} (got 'localhost')"),
        (("group: 239.0.0.48", "host: '[::1]'"), f"asterix.host: {HOST_RULE} (got '[::1]')"),
        (("group: 239.0.0.48", "host: '::1%lo'"), f"asterix.host: {HOST_RULE} (got '::1%lo')"),
        (("group: 239.0.0.48", "host: '::g'"), f"asterix.host: {HOST_RULE} (got '::g')"),
        (("group: 239.0.0.48", "host: 'ff15::48'"),
         "asterix.host: is a multicast address; give it as asterix.group (got 'ff15::48')"),
        (("group: 239.0.0.48", "host: 239.0.0.48"),
         "asterix.host: is a multicast address; give it as asterix.group (got '239.0.0.48')"),
        (("group: 239.0.0.48", "host: 'fe80::1'"),
         "asterix.host: is a link-local address (fe80::/10), which needs a zone the feed does "
         "not take; listen on :: instead (got 'fe80::1')"),
        (("group: 239.0.0.48", "host: '::ffff:127.0.0.1'"),
         "asterix.host: is IPv4-mapped; write 127.0.0.1 (got '::ffff:127.0.0.1')"),
        (("group: 239.0.0.48", "group: 'ff15::48', host: '::1'"),
         "asterix.host: is for a unicast feed only; with a group the feed listens on the "
         "group's address: drop host or group (got '::1')"),
        (("group: 239.0.0.48", "host: '::1', interface: lo"),
         "asterix.interface: is for a multicast group only (asterix.group); drop it or give a "
         "group (got 'lo')"),
        # reserved IPv6 multicast scopes 0 and F (RFC 4291 §2.7, RFC 7346); 1 and E are taken
        (("group: 239.0.0.48", "group: 'ff00::48'"),
         "asterix.group: ff00::48 has the reserved IPv6 multicast scope 0"),
        (("group: 239.0.0.48", "group: 'ff3f::48'"),
         "asterix.group: ff3f::48 has the reserved IPv6 multicast scope F"),
    ],
)  # fmt: skip
def test_bad_asterix_fields_named(tmp_path, edit, message):
    p = tmp_path / "node.yaml"
    p.write_text(GOOD.replace(*edit))
    with pytest.raises(InputError) as e:
        load_node_config(p)
    assert str(e.value).startswith(f"{p}: {message}")
    assert str(e.value).count("(got ") <= 1


@pytest.mark.parametrize(
    ("edit", "group", "host", "interface", "where"),
    [
        (("group: 239.0.0.48", "group: 239.0.0.48"), "239.0.0.48", "0.0.0.0", "0.0.0.0",
         "239.0.0.48:30048"),
        (("group: 239.0.0.48", "group: 239.0.0.48, interface: 127.0.0.1"), "239.0.0.48",
         "0.0.0.0", "127.0.0.1", "239.0.0.48:30048"),
        (("group: 239.0.0.48", "host: 127.0.0.1"), None, "127.0.0.1", "0.0.0.0",
         "127.0.0.1:30048"),
        (("group: 239.0.0.48", "group: 'FF15:0::48'"), "ff15::48", "0.0.0.0", "0.0.0.0",
         "[ff15::48]:30048"),
        (("group: 239.0.0.48", "group: 'ff02::48', interface: lo"), "ff02::48", "0.0.0.0", "lo",
         "[ff02::48]:30048"),
        (("group: 239.0.0.48", "group: 'ff01::48', interface: lo"), "ff01::48", "0.0.0.0", "lo",
         "[ff01::48]:30048"),
        (("group: 239.0.0.48", "group: 'ff1e::48'"), "ff1e::48", "0.0.0.0", "0.0.0.0",
         "[ff1e::48]:30048"),
        (("group: 239.0.0.48", "host: '::1'"), None, "::1", "0.0.0.0", "[::1]:30048"),
        (("group: 239.0.0.48", "host: '::'"), None, "::", "0.0.0.0", "[::]:30048"),
        (("group: 239.0.0.48", "port: 30048"), None, "0.0.0.0", "0.0.0.0", "0.0.0.0:30048"),
    ],
)  # fmt: skip
def test_asterix_feed_addresses(tmp_path, edit, group, host, interface, where):
    """IPv4 or IPv6, a group or a unicast address; IPv6 written back in its short form."""
    p = tmp_path / "node.yaml"
    text = GOOD.replace(*edit)
    if edit[1] == "port: 30048":
        text = text.replace("group: 239.0.0.48, ", "")
    p.write_text(text)
    a = load_node_config(p).asterix
    assert a is not None
    assert (a.group, a.host, a.interface, a.where) == (group, host, interface, where)


def test_bad_asterix_config_exits_2_with_one_line(tmp_path, capsys):
    p = tmp_path / "node.yaml"
    p.write_text(GOOD.replace("group: 239.0.0.48", "group: 10.1.2.3"))
    assert main(["node", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "asterix.group" in err and "10.1.2.3" in err and "224.0.0.0/4" in err
    assert "ff00::/8" in err
    p.write_text(GOOD.replace("group: 239.0.0.48", "group: 'ff02::48'"))
    assert main(["node", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {p}: asterix.interface: ff02::48 is a link-local")
    assert err.count("\n") == 1


def test_missing_sensor_table_is_named(tmp_path, capsys):
    from iamd.federation.node import Node

    p = tmp_path / "node.yaml"
    p.write_text(GOOD.replace("radars.yaml", str(tmp_path / "none.yaml")) + "identify: false\n")
    with pytest.raises(InputError, match=r"^node config: asterix.sensors: .*none.yaml"):
        Node(load_node_config(p))
    assert main(["node", str(p)]) == 2
    assert "error: node config: asterix.sensors:" in capsys.readouterr().err


def test_simulated_switch_keeps_or_drops_the_simulated_sensors(stream, tmp_path):
    """``simulated: false``: the ASTERIX radars are the node's only sensors; ``true``: the
    nation's simulated radars first, then the ASTERIX radars (releasability bits)."""
    from iamd.federation.node import Node

    table = stream["dir"] / "radars.yaml"
    base = GOOD.replace("radars.yaml", str(table)) + "identify: false\n"
    labels = ["001/001", "001/002", "001/003"]
    p = tmp_path / "node.yaml"
    p.write_text(base)
    only = Node(load_node_config(p))
    assert only.sensor_ids == labels and only.asterix is not None
    p.write_text(base.replace("sensors: ", "simulated: true, sensors: "))
    both = Node(load_node_config(p))
    sim = [s for s in both.sensor_ids if s not in labels]
    assert sim and both.sensor_ids == [*sim, *labels]
