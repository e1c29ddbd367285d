"""The built-in theatres' sites against the Natural Earth 1:10m borders (public domain): a
nation's radar or battery stands on that nation's land, an allied unit abroad (the United
States' at Deveselu and Kürecik) on its host's land.

A site a few kilometres off is a real error here: a battery "in northern Greece" placed across
the Bulgarian border fires from Bulgaria in every figure built on it (envelope reach into a
neighbour, the gap matrix's own/lent tags).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import iamd
from iamd.geo import country_at, distance_to_border_m

ROOT = Path(__file__).resolve().parents[2]
THEATRES = ["balkans", str(ROOT / "examples" / "balkans_recorded_traffic.yaml")]


def _sites(theatre: str) -> list[tuple[str, str, float, float]]:
    sc = iamd.load_scenario(theatre).scenario
    return [(u.id, u.nation, u.lat_deg, u.lon_deg) for u in [*sc.sensors, *sc.effectors]]


@pytest.mark.parametrize("theatre", THEATRES, ids=["builtin", "recorded_traffic"])
def test_every_unit_stands_on_its_nations_land_or_its_hosts(theatre: str) -> None:
    sites = _sites(theatre)
    mapped = {n for _, n, _, _ in sites if n != "USA"}  # the theatre's own nations
    lat = np.radians([s[2] for s in sites])
    lon = np.radians([s[3] for s in sites])
    where = country_at(lat, lon)
    for (uid, nation, la, lo), got in zip(sites, where, strict=True):
        if nation in mapped:
            assert got == nation, f"{uid} ({nation}) at {la}, {lo} lies in {got or 'the sea'}"
        else:  # an ally abroad: on a host's land
            assert got in mapped, f"{uid} ({nation}) at {la}, {lo} lies in {got or 'the sea'}"


def test_the_greek_battery_for_bulgaria_stands_in_greece_within_reach_of_bulgaria() -> None:
    # the March 2026 deployment: "a suitable area in northern Greece", covering "a large part
    # of Bulgarian territory" (reference §4.6, [R182]); its exact site was not disclosed
    sites = {uid: (la, lo) for uid, _, la, lo in _sites("balkans")}
    la, lo = sites["gr_patriot_north"]
    assert sites["gr_patriot_north_radar"] == (la, lo)
    lat, lon = np.radians([la]), np.radians([lo])
    assert country_at(lat, lon)[0] == "GRC"
    # well inside Greece (the 1:10m border is generalised: not within its few kilometres) and
    # within 20 km of Bulgaria, so its envelope reaches over the Rhodopes
    assert 5_000.0 < distance_to_border_m(lat, lon, "BGR")[0] < 20_000.0
