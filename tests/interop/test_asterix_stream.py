"""The live ASTERIX stream (``iamd run --stream asterix://GROUP:PORT``): a run's CAT062 picture
sent over UDP as the clock runs, received by iamd's own UDP reader
(`iamd.interop.asterix.capture.udp_blocks`) and compared block for block with what
``--out-asterix`` writes for the same run and seed; its URLs and their errors.

The scenario is ``asterix_small.yaml`` (drones, ballistic missiles, a fighter, a light
aircraft, an airliner on a filed flight plan) for four minutes.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import stat
from pathlib import Path

import pandas as pd
import pytest

from iamd.errors import InputError
from iamd.interop.asterix import decode, split_blocks
from iamd.interop.asterix.capture import decode_stream, open_udp
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


def _has_ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="this machine has no IPv6 loopback (::1)")
def test_stream_to_the_ipv6_loopback_is_the_out_asterix_picture_block_for_block(
    tmp_path: Path, run_streaming: RunStreaming
) -> None:
    """``asterix://[::1]:PORT``: the run's picture over IPv6 UDP, received by iamd's reader
    bound to ::1, is what --out-asterix writes, block for block."""
    raw = tmp_path / "picture.ast"
    rx = Receiver(host="::1")
    assert rx.sock.family == socket.AF_INET6
    code, received = run_streaming(
        SCENARIO.replace("duration_s: 240", "duration_s: 60"), rx, f"asterix://[::1]:{rx.port}",
        "--seed", "3", "--out-asterix", str(raw), "--stream-speed", "200",
    )  # fmt: skip
    assert code == 0
    written = split_blocks(raw.read_bytes())
    assert len(written) > 10 and received == written
    assert rx.stats.bad_datagrams == 0


LINK_GROUP = "ff02::114"  # link-local scope; 0x114: "any private experiment" (RFC 4727)


def _route_to(group: str, iface: str) -> str:
    """'' when this machine can send to the IPv6 ``group`` on ``iface``, else the reason."""
    try:
        index = socket.if_nametoindex(iface)
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
            s.connect((group, 9, 0, index))
    except OSError as exc:
        return exc.strerror or str(exc)
    return ""


@pytest.mark.skipif(not socket.has_ipv6, reason="this Python has no IPv6 sockets")
def test_a_link_local_ipv6_group_on_the_loopback_is_received_or_refused_before_the_run(
    tmp_path: Path, run_streaming: RunStreaming, run_refused: RunRefused
) -> None:
    """``asterix://[ff02::114]:PORT?iface=lo``: where the loopback interface carries IPv6
    multicast, a receiver joined there gets the --out-asterix blocks; where it does not (no
    MULTICAST flag on lo, as on many Linux hosts), the stream is refused before the run with
    the system's reason, not dropped during it."""
    why = _route_to(LINK_GROUP, "lo")
    if why:
        code, err = run_refused(SCENARIO, "--stream", f"asterix://[{LINK_GROUP}]:8600?iface=lo")
        assert code == 2
        assert err == (
            f"error: --stream: cannot send to asterix://[{LINK_GROUP}]:8600?iface=lo ({why})\n"
        )
        assert not (tmp_path / "out").exists()
        return
    raw = tmp_path / "picture.ast"
    rx = Receiver(group=LINK_GROUP, interface="lo")
    code, received = run_streaming(
        SCENARIO.replace("duration_s: 240", "duration_s: 60"), rx,
        f"asterix://[{LINK_GROUP}]:{rx.port}?iface=lo",
        "--seed", "2", "--out-asterix", str(raw), "--stream-speed", "200",
    )  # fmt: skip
    assert code == 0
    assert received and received == split_blocks(raw.read_bytes())


@pytest.mark.skipif(not Path("/proc/net/igmp6").exists(), reason="no /proc/net/igmp6 (Linux)")
def test_the_udp_reader_joins_an_ipv6_group_on_the_named_interface() -> None:
    """`open_udp` with an IPv6 group: the kernel lists the membership on that interface
    (/proc/net/igmp6), and leaves it when the socket closes; a link-local group without an
    interface, or an interface the machine lacks, is one message."""
    names = [n for _i, n in socket.if_nameindex()]
    hexgroup = ipaddress.IPv6Address(LINK_GROUP).exploded.replace(":", "")

    def joined() -> set[str]:
        rows = [r.split() for r in Path("/proc/net/igmp6").read_text().splitlines()]
        return {r[1] for r in rows if r[2] == hexgroup}

    for name in names:
        try:
            sock = open_udp(0, group=LINK_GROUP, interface=name, timeout_s=0.1)
        except InputError:  # an interface that cannot join (down, no multicast)
            continue
        assert sock.family == socket.AF_INET6
        assert sock.getsockname()[:1] == (LINK_GROUP,)
        assert name in joined()
        sock.close()
        assert name not in joined()
        break
    else:
        pytest.skip(f"no interface of this machine ({', '.join(names)}) joins an IPv6 group")
    with pytest.raises(InputError, match=r"ff02::114 is a link-local or interface-local "
                       r"multicast group; give the interface to join on"):  # fmt: skip
        open_udp(0, group=LINK_GROUP)
    with pytest.raises(InputError, match=r"no network interface 'no-such-if0' on this machine"):
        open_udp(0, group=LINK_GROUP, interface="no-such-if0")
    for group, scope in (("ff00::114", "0"), ("ff3f::114", "F")):
        with pytest.raises(InputError, match=rf"^UDP group '{group}': {group} has the reserved "
                           rf"IPv6 multicast scope {scope}; allowed: scope 1-E"):  # fmt: skip
            open_udp(0, group=group, interface=names[0])
    with pytest.raises(InputError, match=r"'fd00::1': not a multicast address"):
        open_udp(0, group="fd00::1")
    with pytest.raises(InputError, match=r"interface must be the IPv4 address of a local "
                       r"interface for an IPv4 group, e.g. 127.0.0.1 \(got 'lo'\)"):  # fmt: skip
        open_udp(0, group="239.255.0.62", interface="lo")


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


@pytest.mark.parametrize(
    ("url", "endpoint", "shown"),
    [
        ("asterix://[::1]:8600", AsterixEndpoint(host="::1", port=8600),
         "asterix://[::1]:8600"),
        ("asterix://[FF15:0:0::62]:8600?ttl=3", AsterixEndpoint(host="ff15::62", port=8600, ttl=3),
         "asterix://[ff15::62]:8600"),
        ("asterix://[ff02::114]:8600?iface=lo",
         AsterixEndpoint(host="ff02::114", port=8600, interface="lo"),
         "asterix://[ff02::114]:8600?iface=lo"),
        ("asterix://[fd00::62]:1", AsterixEndpoint(host="fd00::62", port=1),
         "asterix://[fd00::62]:1"),
        # the ends of the allowed IPv6 multicast scopes (1-E; RFC 4291 §2.7, RFC 7346)
        ("asterix://[ff01::114]:8600?iface=lo",
         AsterixEndpoint(host="ff01::114", port=8600, interface="lo"),
         "asterix://[ff01::114]:8600?iface=lo"),
        ("asterix://[ff0e::62]:8600", AsterixEndpoint(host="ff0e::62", port=8600),
         "asterix://[ff0e::62]:8600"),
        ("asterix://[ff3e::8000:62]:8600?ttl=9",
         AsterixEndpoint(host="ff3e::8000:62", port=8600, ttl=9),
         "asterix://[ff3e::8000:62]:8600"),
    ],
)  # fmt: skip
def test_ipv6_asterix_urls(url: str, endpoint: AsterixEndpoint, shown: str) -> None:
    """IPv6 literals in brackets (RFC 3986 §3.2.2), written back in the short form."""
    ep = parse_asterix_url(url)
    assert ep == endpoint and ep.ipv6 and ep.url == shown


@pytest.mark.skipif(not socket.has_ipv6, reason="this Python has no IPv6 sockets")
def test_ipv6_hop_limit_is_1_by_default_and_set_by_ttl_and_the_interface_by_iface() -> None:
    """The hop limit and the interface of an IPv6 group's socket (IPV6_MULTICAST_HOPS,
    IPV6_MULTICAST_IF), for a site-local group (no interface needed) the machine routes."""
    got = []
    for url in ("asterix://[ff15::62]:8600", "asterix://[ff15::62]:8600?ttl=7"):
        sender = AsterixSender.from_url(url)
        try:
            sender.open()
        except InputError as exc:  # no IPv6 multicast route on this machine
            pytest.skip(str(exc))
        assert sender._sock is not None and sender._sock.family == socket.AF_INET6
        got.append(sender._sock.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS))
        sender.close()
    assert got == [1, 7]
    name = next((n for _i, n in socket.if_nameindex() if not _route_to("ff15::62", n)), None)
    if name is None:
        pytest.skip("no interface routes an IPv6 multicast group")
    sender = AsterixSender.from_url(f"asterix://[ff15::62]:8600?iface={name}")
    sender.open()
    assert sender._sock is not None
    index = sender._sock.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF)
    assert index == socket.if_nametoindex(name)
    sender.close()


def test_multicast_ttl_is_1_by_default_and_set_by_the_url() -> None:
    ttls = []
    for url in ("asterix://239.255.0.62:8600", "asterix://239.255.0.62:8600?ttl=3"):
        sender = AsterixSender.from_url(url)
        sender.open()
        assert sender._sock is not None
        ttls.append(sender._sock.getsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL))
        sender.close()
    assert ttls == [1, 3]


RULE = (
    "use asterix://GROUP:PORT[?ttl=N&iface=IFACE] with GROUP an IPv4 multicast (224.0.0.0/4) "
    "or unicast address, or an IPv6 one in brackets, and PORT 1-65535, e.g. "
    "asterix://239.255.0.62:8600 or asterix://[ff15::62]:8600\n"
)
IFACES = ", ".join(n for _i, n in socket.if_nameindex())


SCOPE_RULE = (
    "allowed: scope 1-E (RFC 4291 §2.7, RFC 7346), e.g. ff15::62 (site-local) or ff1e::62 (global)"
)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("udp://127.0.0.1:8600", "error: --stream: 'udp://127.0.0.1:8600' is not a stream "
         "endpoint; use cot://HOST:PORT[?ttl=N&iface=IFACE] or "
         "cot+udp://HOST:PORT[?ttl=N&iface=IFACE] (UDP), cot+tcp://HOST:PORT (TCP) for "
         "Cursor-on-Target, asterix://GROUP:PORT[?ttl=N&iface=IFACE] for ASTERIX "
         "CAT062 over UDP"),
        ("asterix://radar.example:8600", "error: --stream: 'asterix://radar.example:8600' has "
         f"no IPv4 address ('radar.example'); {RULE}"),
        ("asterix://radar.example:86:8600", "error: --stream: "
         "'asterix://radar.example:86:8600' has no IPv4 address ('radar.example:86'); "
         f"{RULE}"),
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
         "option 'ttl' is for a multicast group (224.0.0.0/4 or ff00::/8) only and 127.0.0.1 is "
         "not one"),
        ("asterix://10.0.0.1:8600?iface=10.0.0.2", "error: --stream: "
         "'asterix://10.0.0.1:8600?iface=10.0.0.2': option 'iface' is for a multicast group"),
        ("asterix://239.255.0.62:8600?ttl=256", "error: --stream: "
         "'asterix://239.255.0.62:8600?ttl=256': ttl must be an integer 1-255 (got '256')"),
        ("asterix://239.255.0.62:8600?iface=eth0", "error: --stream: "
         "'asterix://239.255.0.62:8600?iface=eth0': iface must be the IPv4 address of an "
         "interface for an IPv4 group (got 'eth0')"),
        # IPv6: literals in brackets, hop limit, interface names, scopes
        ("asterix://[::g]:8600", f"error: --stream: 'asterix://[::g]:8600' has a bad IPv6 "
         f"address ('::g'); {RULE}"),
        ("asterix://[::1:8600", "error: --stream: 'asterix://[::1:8600' has an IPv6 address "
         "without its closing bracket ('[::1:8600')"),
        ("asterix://::1:8600", "error: --stream: 'asterix://::1:8600' has an IPv6 address "
         "without brackets ('::1:8600'), where they are needed"),
        ("asterix://[127.0.0.1]:8600", "error: --stream: 'asterix://[127.0.0.1]:8600' has an "
         "IPv4 address in brackets ([127.0.0.1]); write it without"),
        ("asterix://[::ffff:127.0.0.1]:8600", "error: --stream: "
         "'asterix://[::ffff:127.0.0.1]:8600' has an IPv4-mapped address (::ffff:127.0.0.1); "
         "write 127.0.0.1 without brackets"),
        ("asterix://[::]:8600", "error: --stream: 'asterix://[::]:8600' has no address to send "
         "to (::)"),
        ("asterix://[fe80::1]:8600", "error: --stream: 'asterix://[fe80::1]:8600' has a "
         "link-local unicast address (fe80::1, fe80::/10), which is reachable on one link only"),
        ("asterix://[::1]x:8600", "error: --stream: 'asterix://[::1]x:8600' has 'x:8600' after "
         "its IPv6 address, where ':PORT' belongs"),
        ("asterix://[ff15::62]", f"error: --stream: 'asterix://[ff15::62]' has no port; {RULE}"),
        ("asterix://[ff15::62]:", f"error: --stream: 'asterix://[ff15::62]:' has no port; {RULE}"),
        ("asterix://[::1]:99999", f"error: --stream: 'asterix://[::1]:99999' has a bad port "
         f"('99999'); {RULE}"),
        ("asterix://[::1]:8²", f"error: --stream: 'asterix://[::1]:8²' has a bad port ('8²'); "
         f"{RULE}"),
        ("asterix://[ff15::62]:8600?ttl=²", "error: --stream: 'asterix://[ff15::62]:8600?ttl=²': "
         "ttl (the hop limit) must be an integer 1-255 (got '²')\n"),
        ("asterix://[ff02::1%25lo]:8600", "error: --stream: 'asterix://[ff02::1%25lo]:8600' has a "
         "zone in its address ('ff02::1%25lo'); give the interface as ?iface=lo"),
        ("asterix://[::1]:8600?iface=lo", "error: --stream: 'asterix://[::1]:8600?iface=lo': "
         "option 'iface' is for a multicast group (224.0.0.0/4 or ff00::/8) only and ::1 is not "
         "one; drop the option or give a multicast group\n"),
        ("asterix://[fd00::9]:8600?ttl=3", "error: --stream: 'asterix://[fd00::9]:8600?ttl=3': "
         "option 'ttl' is for a multicast group (224.0.0.0/4 or ff00::/8) only and fd00::9 is "
         "not one"),
        ("asterix://[ff02::1]:8600", "error: --stream: 'asterix://[ff02::1]:8600': ff02::1 is a "
         "link-local or interface-local multicast group (ff02::/16, ff01::/16), which needs the "
         f"interface to send on: add ?iface=NAME (this machine has {IFACES})\n"),
        ("asterix://[ff01::114]:8600?ttl=2", "error: --stream: "
         "'asterix://[ff01::114]:8600?ttl=2': ff01::114 is a link-local or interface-local "
         "multicast group"),
        ("asterix://[ff02::114]:8600?iface=no-such-if0", "error: --stream: "
         "'asterix://[ff02::114]:8600?iface=no-such-if0': iface must be the name of a network "
         f"interface of this machine for an IPv6 group ({IFACES}; got 'no-such-if0')\n"),
        ("asterix://[ff02::114]:8600?iface=127.0.0.1", "error: --stream: "
         "'asterix://[ff02::114]:8600?iface=127.0.0.1': iface must be the name of a network "
         "interface of this machine for an IPv6 group"),
        ("asterix://[ff15::62]:8600?ttl=0", "error: --stream: "
         "'asterix://[ff15::62]:8600?ttl=0': ttl (the hop limit) must be an integer 1-255 "
         "(got '0')\n"),
        # IPv6 multicast scopes 0 and F are reserved (RFC 4291 §2.7); 1 and E are the ends
        ("asterix://[ff00::62]:8600", "error: --stream: 'asterix://[ff00::62]:8600': ff00::62 "
         "has the reserved IPv6 multicast scope 0; "
         f"{SCOPE_RULE}\n"),
        ("asterix://[ff0f::62]:8600", "error: --stream: 'asterix://[ff0f::62]:8600': ff0f::62 "
         "has the reserved IPv6 multicast scope F; "
         f"{SCOPE_RULE}\n"),
        ("asterix://[ff30::62]:8600?ttl=2", "error: --stream: "
         "'asterix://[ff30::62]:8600?ttl=2': ff30::62 has the reserved IPv6 multicast scope 0; "
         "allowed: scope 1-E"),
        ("asterix://[ff1f::62]:8600?iface=lo", "error: --stream: "
         "'asterix://[ff1f::62]:8600?iface=lo': ff1f::62 has the reserved IPv6 multicast "
         "scope F; allowed: scope 1-E"),
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
