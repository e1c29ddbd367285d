"""Node configuration files: errors name the field, the value and what is allowed."""

from __future__ import annotations

import pytest

from iamd.errors import InputError
from iamd.federation.node import load_node_config

GOOD = """nation: GRC
peers: [BGR]
router: {port: 7447, ca: /tmp/ca.pem}
credentials: {user: grc, password_file: /tmp/pw, cert: /tmp/c.pem, key: /tmp/c.key}
"""


def _write(tmp_path, text):
    p = tmp_path / "node.yaml"
    p.write_text(text)
    return p


def test_good_config_loads(tmp_path):
    cfg = load_node_config(_write(tmp_path, GOOD))
    assert (cfg.nation, cfg.peers, cfg.router.port) == ("GRC", ["BGR"], 7447)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("nation: GRC", "nation: greece"), "nation: String should match pattern"),
        (("port: 7447", "port: 0"), "router.port: Input should be greater than 0 (got 0)"),
        (("peers: [BGR]", "peers: [GRC]"), "peers must not include the node's own nation GRC"),
        (("peers: [BGR]", "peers: [bg]"), "peer codes are 3 upper-case letters (got 'bg')"),
        (("peers: [BGR]", "peers: [BGR]\nlease_s: -1"), "lease_s: Input should be greater than 0"),
        (("peers: [BGR]", "peers: [BGR]\ncolour: red"), "colour: Extra inputs are not permitted"),
    ],
)
def test_bad_fields_named(tmp_path, edit, message):
    with pytest.raises(InputError) as e:
        load_node_config(_write(tmp_path, GOOD.replace(*edit)))
    assert message in str(e.value)
    assert "node.yaml" in str(e.value)


def test_unreadable_and_non_mapping(tmp_path):
    with pytest.raises(InputError, match="cannot read the node configuration"):
        load_node_config(tmp_path / "missing.yaml")
    with pytest.raises(InputError, match="a node configuration is a mapping"):
        load_node_config(_write(tmp_path, "- 1\n"))


def test_node_rejects_a_sensor_or_effector_of_another_nation(tmp_path):
    from iamd.federation.node import Node

    for field, value, allowed in (
        ("sensors", "bg_surveillance_varna", "gr_surveillance_lemnos"),
        ("effectors", "bg_s300_sofia", "gr_patriot_north"),
    ):
        cfg = load_node_config(_write(tmp_path, GOOD + f"{field}: [{value}]\nidentify: false\n"))
        with pytest.raises(InputError) as e:
            Node(cfg)
        msg = str(e.value)
        assert f"{field}: '{value}' is not a" in msg and "of GRC" in msg and allowed in msg
