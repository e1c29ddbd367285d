"""Real airports of the theatre, for civil traffic on airways.

Aerodrome reference points are public (national AIPs, ICAO location indicators); the
coordinates here are rounded to about 0.01 deg, which is all that airway traffic needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml


@dataclass(frozen=True, slots=True, kw_only=True)
class Airport:
    """An airport by ICAO code."""

    icao: str
    name: str
    country: str
    lat_deg: float
    lon_deg: float
    elevation_m: float


@cache
def airports() -> dict[str, Airport]:
    """The built-in airports by ICAO code."""
    text = resources.files("iamd.scenario").joinpath("catalog/airports.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    return {icao: Airport(icao=icao, **fields) for icao, fields in raw.items()}
