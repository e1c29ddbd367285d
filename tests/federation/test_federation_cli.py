"""``iamd node`` and ``iamd federate``: bad input exits 2 with one line; a short federation
of the built-in theatre holds the joint picture within a stated tolerance."""

from __future__ import annotations

import json

import pytest

from iamd.cli import main


def test_node_bad_config_exits_2(tmp_path, capsys):
    p = tmp_path / "n.yaml"
    p.write_text("nation: GRC\npeers: [BGR]\n")
    assert main(["node", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "router: Field required" in err


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--nations", "GRC,XXX"], "--nations: XXX has no sensors in 'balkans'"),
        (["--nations", "GRC"], "a federation needs at least 2 nations"),
        (["--duration-s", "-5"], "--duration-s must be > 0 (got -5.0)"),
        (["--step-wall-s", "-1"], "--step-wall-s must be >= 0 (got -1.0)"),
        (["--duration-s", "nan"], "--duration-s must be > 0 (got nan)"),
        (["--duration-s", "1e308"], "--duration-s must be finite and <= 86400 (got 1e+308)"),
        (["--step-wall-s", "inf"], "--step-wall-s must be finite and <= 60 (got inf)"),
        (["--every-s", "nan"], "--every-s must be > 0 (got nan)"),
        (["--seed", "-1"], "--seed must be an integer in [0, 2^63 - 1] (got -1)"),
    ],
)
def test_federate_bad_flags_exit_2(tmp_path, capsys, flags, message):
    assert main(["federate", "--out", str(tmp_path), *flags]) == 2
    assert message in capsys.readouterr().err


def test_federate_two_nations_hold_the_joint_picture(tmp_path, capsys):
    """Two nodes replay the first 120 s of the built-in theatre; each federated picture is
    within 1.5 km (OSPA, cut-off 10 km) of the in-process joint picture's OSPA, and the
    nodes agree on track numbers and identities."""
    out = tmp_path / "fed"
    rc = main(["federate", "--out", str(out), "--nations", "BGR,ROU", "--duration-s", "120",
               "--step-wall-s", "0.03", "--every-s", "10"])  # fmt: skip
    assert rc == 0
    res = json.loads((out / "federate.json").read_text())
    assert [n["nation"] for n in res["nodes"]] == ["BGR", "ROU"]
    for n in res["nodes"]:
        assert n["ospa_m"] <= n["in_process_ospa_m"] + 1_500.0, n
        assert n["number_agreement"] >= 0.9, n
        assert n["identity_agreement"] >= 0.9, n
        assert n["malformed"] == 0
        assert n["threats_engaged"] <= n["engagements"]  # scored on the truth
        assert n["interceptors_at_false_tracks"] <= n["interceptors_fired"]
    e = res["engagements"]
    assert e["threats_engaged"] <= e["threats"] and e["double_engaged"] == 0
    out_text = capsys.readouterr().out
    assert "BGR" in out_text and f"threats engaged by a node: {e['threats_engaged']} of" in out_text


def test_federate_out_that_is_a_file_is_refused_before_anything_starts(tmp_path, capsys):
    f = tmp_path / "f"
    f.write_text("x")
    assert main(["federate", "--out", str(f)]) == 2
    assert f"--out: {f} exists and is a regular file, not a folder" in capsys.readouterr().err
    assert f.read_text() == "x"
