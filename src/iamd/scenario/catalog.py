"""The built-in catalog of sensors, effectors and threats, with their public sources.

The figures come from ``shared/reference/public-parameters.md`` (press, manufacturer and
encyclopedia-level material); each entry carries its sources and, where no figure is public
(kill probabilities, dwell times), an ``assumptions`` note. A scenario overrides any field
of any entry under ``catalog_overrides``.

The data lives in ``sensors.yaml``, ``effectors.yaml`` and ``threats.yaml`` beside this module.
Units follow the YAML convention: km, km/h or m/s as named, degrees, seconds, USD.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from iamd.errors import CatalogError


class ThreatClass(StrEnum):
    """The classes that identification distinguishes and that kill probabilities depend on."""

    AIRLINER = "airliner"
    FIGHTER = "fighter"
    DRONE = "drone"
    CRUISE_MISSILE = "cruise_missile"
    BALLISTIC_MISSILE = "ballistic_missile"


THREAT_CLASSES: tuple[ThreatClass, ...] = tuple(ThreatClass)
HOSTILE_CLASSES: tuple[ThreatClass, ...] = (
    ThreatClass.DRONE,
    ThreatClass.CRUISE_MISSILE,
    ThreatClass.BALLISTIC_MISSILE,
)


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str = Field(description="Catalog key, used as `type` in scenarios.")
    label: str = Field(description="Human-readable name of the system.")
    nation_of_origin: str = Field(default="", description="Producer country (information only).")
    sources: list[str] = Field(min_length=1, description="Public sources of the figures.")
    assumptions: str = Field(default="", description="Figures that are assumptions, and why.")


class SensorType(_Entry):
    """A radar class: its detection range at a reference RCS and its measurement accuracy."""

    kind: Literal["surveillance", "fire_control", "bmd"]
    band: str
    detection_range_km: float = Field(gt=0, description="Range at which Pd = pd_ref on rcs_ref.")
    rcs_ref_m2: float = Field(gt=0, description="Reference RCS of the detection range (m^2).")
    pd_ref: float = Field(default=0.9, gt=0, lt=1, description="Pd at the detection range.")
    min_elevation_deg: float = Field(default=0.0, ge=-5, le=90)
    max_elevation_deg: float = Field(default=70.0, gt=0, le=90)
    max_altitude_km: float = Field(default=100.0, gt=0)
    scan_period_s: float = Field(gt=0)
    sigma_range_m: float = Field(gt=0)
    sigma_azimuth_mrad: float = Field(gt=0)
    sigma_elevation_mrad: float = Field(gt=0)
    antenna_height_m: float = Field(default=10.0, ge=0)
    swerling: Literal[0, 1, 2, 3, 4] = 1


class EffectorType(_Entry):
    """A weapon class: its engagement envelope, speed, magazine, cost and kill probabilities."""

    kind: Literal["interceptor", "gun", "laser"]
    min_range_km: float = Field(ge=0)
    max_range_km: float = Field(gt=0, description="Maximum range against air-breathing targets.")
    max_range_bm_km: float = Field(
        default=0.0, ge=0, description="Maximum range against ballistic missiles (0: not BMD)."
    )
    min_altitude_km: float = Field(default=0.0, ge=0)
    max_altitude_km: float = Field(gt=0)
    min_altitude_bm_km: float = Field(default=0.0, ge=0, description="Lowest BM intercept.")
    speed_m_s: float = Field(gt=0, description="Mean flyout speed (m/s); beam: speed of light.")
    reaction_time_s: float = Field(ge=0, description="Detection-to-launch latency.")
    launchers: int = Field(ge=1, le=1000, description="Launchers (or mounts) in one fire unit.")
    rounds_per_launcher: int = Field(ge=1, le=10_000, description="Ready rounds per launcher.")
    channels: int = Field(ge=1, le=1000, description="Simultaneous engagements of one fire unit.")
    salvo: dict[ThreatClass, int] = Field(
        default_factory=dict, description="Rounds per engagement by class (default 1)."
    )
    dwell_s: float = Field(default=0.0, ge=0, description="Laser: beam time on target at 1 km.")
    cost_per_shot_usd: float = Field(ge=0)
    pk: dict[ThreatClass, float] = Field(
        description="Single-shot kill probability by class; a class absent cannot be engaged."
    )

    @model_validator(mode="after")
    def _check(self) -> EffectorType:
        if self.min_range_km >= self.max_range_km:
            raise ValueError(
                f"min_range_km ({self.min_range_km}) must be below max_range_km "
                f"({self.max_range_km})"
            )
        for cls, p in self.pk.items():
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"pk.{cls} must be within [0, 1] (got {p})")
        return self

    @property
    def magazine(self) -> int:
        """Ready rounds of one fire unit."""
        return self.launchers * self.rounds_per_launcher


class BallisticParams(BaseModel):
    """Boost and body parameters of a ballistic missile (see ``iamd.world.ballistic``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    boost_time_s: float = Field(gt=0, description="Powered flight duration.")
    burnout_altitude_km: float = Field(gt=0, description="Altitude at burnout (approximate).")
    reentry_mass_kg: float = Field(gt=0, description="Mass of the body that re-enters.")
    drag_area_m2: float = Field(gt=0, description="Cd x reference area of the re-entry body.")
    flight_path_angle_deg: float | None = Field(
        default=None,
        gt=10,
        lt=80,
        description="Burnout flight-path angle; default: the minimum-energy angle of the range.",
    )


#: Physical bounds of the catalog's numbers: every value the schema accepts runs. A cruise
#: speed below a walking pace would make a flight of years (and its trajectory table
#: gigabytes); above orbital speed nothing flies in the atmosphere. The highest altitude is
#: a ballistic apogee (an intercontinental missile's is about 1,200 km); no range exceeds
#: half the Earth's circumference.
MIN_SPEED_M_S = 1.0
MAX_SPEED_M_S = 8_000.0
MAX_ALTITUDE_M = 2_000_000.0
#: The ceiling of air-breathing flight (drones, cruise missiles, aircraft), m.
MAX_AIR_ALTITUDE_M = 30_000.0
MAX_RANGE_KM = 20_000.0


class ThreatType(_Entry):
    """Something that flies: a missile, a drone or an aircraft."""

    threat_class: ThreatClass = Field(alias="class")
    rcs_m2: float = Field(gt=0, le=10_000, description="Typical radar cross section (m^2).")
    speed_m_s: float = Field(
        ge=MIN_SPEED_M_S, le=MAX_SPEED_M_S, description="Cruise speed (m/s); BMs: unused."
    )
    cruise_altitude_m: float = Field(
        ge=0, le=MAX_ALTITUDE_M, description="Cruise altitude above ground (m); BMs: apogee."
    )
    max_range_km: float = Field(gt=0, le=MAX_RANGE_KM)
    cost_usd: float = Field(ge=0, description="Unit cost (for cost-exchange ratios).")
    warhead_kg: float = Field(default=0.0, ge=0)
    lethal_radius_m: float = Field(default=0.0, ge=0, description="Damage radius of the warhead.")
    has_transponder: bool = Field(default=False, description="Emits ADS-B / Mode S.")
    has_iff: bool = Field(default=False, description="Answers allied IFF interrogation.")
    ballistic: BallisticParams | None = None

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )

    @model_validator(mode="after")
    def _check(self) -> ThreatType:
        is_bm = self.threat_class == ThreatClass.BALLISTIC_MISSILE
        if is_bm != (self.ballistic is not None):
            raise ValueError("a ballistic_missile needs `ballistic` parameters, others none")
        if not is_bm and self.cruise_altitude_m > MAX_AIR_ALTITUDE_M:
            raise ValueError(
                f"cruise_altitude_m must be at most {MAX_AIR_ALTITUDE_M:g} for an air-breathing "
                f"{self.threat_class} (got {self.cruise_altitude_m:g})"
            )
        return self


class Catalog(BaseModel):
    """All catalog entries, by name."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    sensors: dict[str, SensorType]
    effectors: dict[str, EffectorType]
    threats: dict[str, ThreatType]

    def with_overrides(self, overrides: dict[str, dict[str, dict[str, Any]]]) -> Catalog:
        """A copy with fields of named entries replaced (``{"effectors": {"pac3_mse": {...}}}``).

        Raises CatalogError naming the section, entry and field that is wrong.
        """
        sections: dict[str, dict[str, Any]] = {
            "sensors": dict(self.sensors),
            "effectors": dict(self.effectors),
            "threats": dict(self.threats),
        }
        models: dict[str, type[_Entry]] = {
            "sensors": SensorType,
            "effectors": EffectorType,
            "threats": ThreatType,
        }
        for section, entries in overrides.items():
            for name, fields in entries.items():
                base = sections[section].get(name)
                if base is None:
                    raise CatalogError(
                        f"catalog_overrides.{section}.{name}: unknown {section[:-1]} type "
                        f"(allowed: {', '.join(sorted(sections[section]))})"
                    )
                data = base.model_dump(by_alias=True)
                for field_name, value in fields.items():
                    old = data.get(field_name)
                    if isinstance(old, dict) and isinstance(value, dict):
                        data[field_name] = {**old, **value}  # pk, salvo: merge by class
                    else:
                        data[field_name] = value
                try:
                    sections[section][name] = models[section].model_validate(data)
                except ValidationError as exc:
                    err = exc.errors()[0]
                    where = ".".join([f"catalog_overrides.{section}.{name}", *map(str, err["loc"])])
                    msg = str(err["msg"]).removeprefix("Value error, ")
                    got = f" (got {err.get('input')!r})" if err["loc"] else ""
                    raise CatalogError(f"{where}: {msg}{got}") from None
        return Catalog.model_validate(sections)


def _load_section(fname: str, model: type[_Entry]) -> dict[str, Any]:
    text = resources.files("iamd.scenario").joinpath(f"catalog/{fname}").read_text("utf-8")
    raw = yaml.safe_load(text)
    out: dict[str, Any] = {}
    for name, entry in raw.items():
        try:
            out[name] = model.model_validate({"name": name, **entry})
        except ValidationError as exc:  # a broken built-in file is a bug; say where
            raise CatalogError(f"built-in catalog {fname}: {name}: {exc}") from None
    return out


@cache
def builtin_catalog() -> Catalog:
    """The catalog shipped with iamd (loaded once per process)."""
    return Catalog(
        sensors=_load_section("sensors.yaml", SensorType),
        effectors=_load_section("effectors.yaml", EffectorType),
        threats=_load_section("threats.yaml", ThreatType),
    )
