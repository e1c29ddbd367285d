"""The scenario file: pydantic models of everything a run needs, validated once at the edge.

A scenario names its epoch, theatre, nations, defended assets, sensors and effector units
(catalog types placed at sites), threat raids, civil air traffic, the sharing policy, the
rules of engagement and the seed. Units are those of the YAML file (degrees, km, minutes
where named); ``iamd.scenario.compile`` converts them to SI once.

Unknown keys are errors everywhere (``extra="forbid"``); cross-references (catalog types,
nations, assets, airports) are checked by ``iamd.scenario.loader`` against the catalog.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from iamd.scenario.catalog import MAX_AIR_ALTITUDE_M, MAX_SPEED_M_S, MIN_SPEED_M_S

Ident = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9_.\-]+$", min_length=1, max_length=64)
]
NationCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Latitude = Annotated[float, Field(ge=-90, le=90, description="Geodetic latitude (deg, WGS84).")]
Longitude = Annotated[float, Field(ge=-180, le=180, description="Longitude (deg, WGS84).")]


def _transponder_setting(value: Any) -> Any:
    """``on``, ``off`` or a fraction in [0, 1], as written (the loader hands YAML 1.1's
    ``on``/``off`` booleans over as their text); anything else is an error that says what
    to write."""
    if isinstance(value, str) and value in ("on", "off"):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 0.0 <= value <= 1.0:
            return float(value)
        raise ValueError(f"a fraction of the flights must be within [0, 1] (got {value!r})")
    raise ValueError(
        "must be on, off or the fraction of the flights whose transponder is on, "
        f"a number in [0, 1] such as 0.5 (got {value!r})"
    )


TransponderSetting = Annotated[
    Literal["on", "off"] | Annotated[float, Field(ge=0, le=1)],
    BeforeValidator(_transponder_setting),
]
"""A civil set's transponders: ``on`` (every flight), ``off`` (none) or the share of its
flights whose transponder is on."""
TRANSPONDER_DOC = (
    "Transponders (ADS-B, Mode S) of the flights: on, off, or the fraction of the flights "
    "whose transponder is on, in [0, 1] (that share of the flights, rounded to the nearest "
    "flight; which ones is drawn from the run's seed)"
)
RCS_DOC = "Radar cross section of the flights (m²)"


class Policy(StrEnum):
    """How nations share their air defence.

    - ``national``: each nation sees its own sensors' picture and defends its own assets.
    - ``shared_picture``: one joint picture from all sensors; each nation still fires only
      for its own assets.
    - ``integrated``: one picture, and any participating nation's effector engages any threat
      it can reach, across borders.
    """

    NATIONAL = "national"
    SHARED_PICTURE = "shared_picture"
    INTEGRATED = "integrated"


class PictureMode(StrEnum):
    """Where the air picture comes from: ``sensed`` tracks the radars' plots (noise, false
    alarms, cooperative replies) with a multi-sensor tracker per picture; ``truth`` gives
    perfect tracks of every detected object (a baseline for analysis)."""

    SENSED = "sensed"
    TRUTH = "truth"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_for_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        """A number is written as one: YAML 1.1 reads ``on``/``yes``/``true`` as a boolean,
        which pydantic would take as 1 (``count: on`` would launch one threat)."""
        if isinstance(value, bool) and info.field_name is not None:
            kinds = set(get_args(cls.model_fields[info.field_name].annotation)) or {
                cls.model_fields[info.field_name].annotation
            }
            if bool not in kinds and kinds & {int, float}:
                raise ValueError(
                    f"must be a number, not a boolean (YAML reads on, off, yes, no, true and "
                    f"false as booleans; got {value})"
                )
        return value


class Point(_Model):
    """A geographic point."""

    lat_deg: Latitude
    lon_deg: Longitude
    alt_m: float = Field(default=0.0, ge=-500, le=100_000, description="Height above WGS84 (m).")


class Area(_Model):
    """A point, or a disc around it from which positions are drawn uniformly."""

    lat_deg: Latitude
    lon_deg: Longitude
    radius_km: float = Field(default=0.0, ge=0, le=1000)


class Sector(_Model):
    """An azimuth sector: centre bearing and full width (deg, clockwise from north)."""

    center_deg: float = Field(ge=0, lt=360)
    width_deg: float = Field(gt=0, le=360)


class Nation(_Model):
    """A nation taking part, by ISO 3166 alpha-3 code as in the borders data."""

    code: NationCode
    name: str = Field(min_length=1)
    participates: bool = Field(
        default=True,
        description="Takes part in sharing (picture and fires) when the policy allows.",
    )


class Asset(_Model):
    """A defended asset: a city, port, energy site or base."""

    name: Ident
    label: str = ""
    nation: NationCode
    lat_deg: Latitude
    lon_deg: Longitude
    kind: Literal["city", "port", "energy", "nuclear", "military", "infrastructure"]
    value: float = Field(gt=0, description="Relative value (threat evaluation, outcome scoring).")
    radius_km: float = Field(default=1.0, gt=0, le=50, description="Footprint of the asset.")


class SensorUnit(_Model):
    """A radar of a catalog type placed at a site."""

    id: Ident
    type: str = Field(description="Sensor catalog key (see `iamd catalog`).")
    nation: NationCode
    lat_deg: Latitude
    lon_deg: Longitude
    alt_m: float = Field(default=0.0, ge=-500, le=9000, description="Site height (m).")
    sector: Sector | None = None


class EffectorUnit(_Model):
    """A fire unit (battery, gun, laser) of a catalog type placed at a site."""

    id: Ident
    type: str = Field(description="Effector catalog key (see `iamd catalog`).")
    nation: NationCode
    lat_deg: Latitude
    lon_deg: Longitude
    alt_m: float = Field(default=0.0, ge=-500, le=9000)
    sector: Sector | None = None
    magazine: int | None = Field(default=None, ge=0, description="Ready rounds (default: catalog).")
    lent_by: NationCode | None = Field(
        default=None, description="Owner nation when the unit is lent to `nation`."
    )


class Aim(_Model):
    """Where a raid aims: a defended asset by name, or a point; with a spread."""

    asset: Ident | None = None
    lat_deg: Latitude | None = None
    lon_deg: Longitude | None = None
    spread_km: float = Field(default=0.0, ge=0, le=100, description="Aim points drawn in a disc.")

    @model_validator(mode="after")
    def _one_target(self) -> Aim:
        has_point = self.lat_deg is not None or self.lon_deg is not None
        if self.asset is None and not has_point:
            raise ValueError("give either `asset` or both `lat_deg` and `lon_deg`")
        if self.asset is not None and has_point:
            raise ValueError("give either `asset` or a point, not both")
        if has_point and (self.lat_deg is None or self.lon_deg is None):
            raise ValueError("a point needs both `lat_deg` and `lon_deg`")
        return self


class Waypoint(_Model):
    """A route point of an air-breathing threat (altitude: the type's cruise altitude)."""

    lat_deg: Latitude
    lon_deg: Longitude


class Raid(_Model):
    """A group of threats of one catalog type from a launch area to an aim."""

    id: Ident
    type: str = Field(description="Threat catalog key (see `iamd catalog`).")
    count: int = Field(default=1, ge=1, le=10_000)
    launch: Area
    aim: Aim
    launch_time_s: float = Field(default=0.0, ge=0, description="First launch (s after epoch).")
    launch_window_s: float = Field(
        default=0.0, ge=0, description="Launch times drawn uniformly in [t, t + window]."
    )
    spacing_s: float = Field(default=0.0, ge=0, description="Interval between launches.")
    route: list[Waypoint] = Field(default_factory=list, description="Intermediate waypoints.")
    speed_m_s: float | None = Field(
        default=None,
        ge=MIN_SPEED_M_S,
        le=MAX_SPEED_M_S,
        description="Override cruise speed (m/s; a moving target, at most orbital speed).",
    )
    altitude_m: float | None = Field(
        default=None,
        ge=0,
        le=MAX_AIR_ALTITUDE_M,
        description="Override cruise altitude (m; air-breathing flight ends near 30 km).",
    )


class Airway(_Model):
    """Scheduled civil flights between two airports (ICAO codes of the airport list)."""

    origin: str = Field(pattern=r"^[A-Z]{4}$")
    destination: str = Field(pattern=r"^[A-Z]{4}$")
    flights: int = Field(default=1, ge=1, le=1000)
    first_departure_s: float = Field(default=0.0, ge=-7200)
    interval_s: float = Field(default=900.0, gt=0)
    cruise_altitude_m: float = Field(default=11_000.0, ge=1000, le=15_000)
    type: str = Field(default="airliner", description="Threat catalog key of class airliner.")
    transponder: TransponderSetting | None = Field(
        default=None, description=f"{TRANSPONDER_DOC} (default: the type's `has_transponder`)."
    )
    rcs_m2: float | None = Field(
        default=None, gt=0, le=10_000, description=f"{RCS_DOC} (default: the type's `rcs_m2`)."
    )

    @model_validator(mode="after")
    def _distinct(self) -> Airway:
        if self.origin == self.destination:
            raise ValueError(f"origin and destination must differ (got {self.origin!r} twice)")
        return self


class Relocation(_Model):
    """Where a recorded set is moved: the centre of the bounding box (in latitude and
    longitude) of all its reports lands on this point, and every report keeps its geodesic
    distance and its bearing (turned by one angle for the whole set) from that centre."""

    lat_deg: Latitude
    lon_deg: Longitude


class RecordedTraffic(_Model):
    """Recorded flights (ADS-B position reports) replayed as civil airliners.

    The *set* is the flights of ``file`` selected by ``flights`` and then ``max_flights``; its
    earliest report plays at ``start_s`` and the other reports keep their timing. Reports on
    the ground are dropped, flights are cut to the scenario window, and a flight with fewer
    than two reports in the window is skipped."""

    file: str = Field(
        min_length=1,
        description="Points file, CSV or gzip-compressed CSV with columns flight_id, t_unix_s, "
        "lat_deg, lon_deg, alt_m and optionally onground (the format of "
        "shared/data/flights/quickstart_points.csv.gz); a relative path is resolved "
        "against the scenario file's directory.",
    )
    index: str | None = Field(
        default=None,
        description="Index file with columns flight_id and callsign, for the object ids "
        "(default: NAME_index.csv beside a NAME_points.csv or NAME_points.csv.gz file, if it "
        "exists; without call signs the ids use the flight ids).",
    )
    flights: list[Annotated[str, StringConstraints(min_length=1)]] | None = Field(
        default=None,
        min_length=1,
        description="flight_id values to take (default: every flight in the file).",
    )
    max_flights: int | None = Field(
        default=None,
        ge=1,
        le=10_000,
        description="Take at most this many flights, the first by flight_id order.",
    )
    start_s: float = Field(
        default=0.0,
        ge=-604_800,
        le=86_400,
        description="Scenario time (s after epoch) at which the set's earliest report plays; "
        "negative to join the recording under way.",
    )
    relocate: Relocation | None = Field(
        default=None,
        description="Move the whole set rigidly to this point (default: replay it where it "
        "was recorded, which must then be inside the theatre box).",
    )
    type: str = Field(default="airliner", description="Threat catalog key of class airliner.")
    nation: NationCode | None = Field(
        default=None, description="Owner of the flights, for the records (default: none)."
    )
    transponder: TransponderSetting = Field(
        default="on", description=f"{TRANSPONDER_DOC} (default: on, as recorded)."
    )
    rcs_m2: float | None = Field(
        default=None, gt=0, le=10_000, description=f"{RCS_DOC} (default: the type's `rcs_m2`)."
    )


GA_PATTERNS = (
    "circuit",
    "cross_country",
    "thermalling",
    "hover",
    "survey",
    "orbit",
    "firefighting",
)
"""Flight patterns of generated general aviation (``iamd.world.general_aviation``)."""


class GeneralAviation(_Model):
    """A set of general-aviation flights (light aircraft, gliders, helicopters) generated in an
    area: ``count`` flights of one catalog type flying one pattern, the first from
    ``start_s``, the next ``spacing_s`` later, and so on, each for ``duration_s`` from its own
    point drawn uniformly in ``area``; the pattern's legs, turns, heights and speeds are drawn
    too (all draws from the run's seed and the set's id; ``iamd.world.general_aviation``).
    Object ids are ``ID-1``, ``ID-2``, ...

    Patterns: ``circuit`` (aerodrome traffic pattern), ``cross_country`` (a trip away from
    the area), ``thermalling`` (a glider circling and climbing in thermals), ``hover`` (a
    helicopter holding over a site), ``survey`` (parallel lines over an area), ``orbit``
    (circling a point: a calibration or TV-relay flight) and ``firefighting`` (runs between
    a water source and a fire)."""

    id: Ident
    type: str = Field(
        default="light_aircraft",
        description="Threat catalog key of class airliner (civil): e.g. light_aircraft, "
        "glider, helicopter.",
    )
    pattern: Literal[
        "circuit", "cross_country", "thermalling", "hover", "survey", "orbit", "firefighting"
    ]
    count: int = Field(default=1, ge=1, le=1000)
    area: Area = Field(
        description="Each flight's reference point, drawn uniformly in the disc: the runway "
        "for `circuit`, the navaid for `orbit`, the water surface for `firefighting`, the "
        "start for the others."
    )
    start_s: float = Field(
        default=0.0,
        ge=-86_400,
        le=86_400,
        description="Start of the first flight (s after epoch; negative: already flying at t = 0).",
    )
    spacing_s: float = Field(
        default=0.0, ge=0, le=86_400, description="Interval between the flights' starts (s)."
    )
    duration_s: float | None = Field(
        default=None,
        gt=0,
        le=86_400,
        description="Length of each flight (s; default: on past the end of the scenario).",
    )
    transponder: TransponderSetting | None = Field(
        default=None, description=f"{TRANSPONDER_DOC} (default: the type's `has_transponder`)."
    )
    rcs_m2: float | None = Field(
        default=None, gt=0, le=10_000, description=f"{RCS_DOC} (default: the type's `rcs_m2`)."
    )
    speed_m_s: float | None = Field(
        default=None,
        gt=0,
        le=400,
        description="Main speed of the pattern (m/s; default: drawn per flight in the "
        "pattern's range, e.g. 20-30 m/s circling for `thermalling`).",
    )
    alt_m: float | None = Field(
        default=None,
        ge=0,
        le=15_000,
        description="Height above the ellipsoid (m) of the ground (the field, the navaid, the "
        "water surface) for `circuit`, `orbit` and `firefighting`, of the start for the "
        "others (default: drawn per flight in the pattern's range).",
    )


class CivilTraffic(_Model):
    """Civil air traffic on airways between real airports, recorded flights replayed and
    general aviation generated in areas."""

    airways: list[Airway] = Field(default_factory=list)
    recorded: list[RecordedTraffic] = Field(
        default_factory=list, description="Recorded flights replayed from files."
    )
    general_aviation: list[GeneralAviation] = Field(
        default_factory=list,
        description="Light aircraft, gliders and helicopters flying patterns in areas.",
    )


class Patrol(_Model):
    """Friendly fighters on a combat air patrol (racetrack orbit)."""

    id: Ident
    type: str = Field(default="fighter")
    nation: NationCode
    count: int = Field(default=2, ge=1, le=100)
    lat_deg: Latitude
    lon_deg: Longitude
    altitude_m: float = Field(default=8000.0, ge=100, le=20_000)
    leg_km: float = Field(default=60.0, gt=0, le=500)
    heading_deg: float = Field(default=0.0, ge=0, lt=360)
    start_s: float = Field(default=0.0, ge=0)


class TierRule(_Model):
    """Weapons-release authority of one tier: units of these kinds may also engage tracks of
    these identities (inside a protected zone only, by default)."""

    kinds: list[Literal["interceptor", "gun", "laser"]] = Field(
        min_length=1, description="Effector kinds of the tier (catalog `kind`)."
    )
    identities: list[Literal["hostile", "suspect"]] = Field(
        min_length=1, description="Standard identities the tier may engage."
    )
    inside_protected_zones: bool = Field(
        default=True,
        description="Only tracks inside a protected zone of `airspace.protected_zones`.",
    )


class RulesOfEngagement(_Model):
    """What may be engaged and how."""

    engage_identities: list[Literal["hostile", "suspect"]] = Field(
        default=["hostile"],  # pydantic copies a mutable default for each instance
        description="Standard identities that may be engaged (never neutral or friend).",
    )
    tiers: list[TierRule] = Field(
        default_factory=list,
        description="Per-tier authority beyond `engage_identities`, e.g. point defence "
        "(guns, lasers) engaging suspects inside a prohibited zone.",
    )
    shoot_look_shoot: bool = Field(default=True, description="Re-engage after an observed miss.")
    max_engagements_per_threat: int = Field(default=3, ge=1, le=10)
    min_time_to_go_s: float = Field(
        default=0.0, ge=0, description="Do not start engagements later than this before impact."
    )
    cost_weight_per_musd: float = Field(
        default=0.1,
        ge=0,
        le=1000,
        description="Weight of the rounds' price in the assignment: value points one million "
        "USD is worth (0: cost-blind; asset values are the assets' `value`).",
    )
    required_pk: float = Field(
        default=0.8,
        gt=0,
        le=1,
        description="Required kill probability of a salvo: salvos that meet it are equally "
        "good, so the cheapest of them fires (1: plain expected value).",
    )
    base_threat_value: float = Field(
        default=1.0,
        ge=0,
        le=1000,
        description="Value of a hostile track that threatens no known asset (value points).",
    )
    layered_defence: bool = Field(
        default=True,
        description="Hold a threat for a unit covering its asset at risk that is worth more "
        "(cheaper, or better) than what can reach it now, while time allows.",
    )
    reserve_bmd: bool = Field(
        default=True,
        description="Units that can engage ballistic missiles engage drones, cruise missiles "
        "and aircraft only as the last layer (time to go below `defer_margin_s`).",
    )
    defer_margin_s: float = Field(
        default=90.0,
        ge=0,
        le=3600,
        description="Time to go below which a threat is engaged by whatever can reach it.",
    )


class VisualIdentification(_Model):
    """Visual identification by the scenario's patrols (`iamd.sim.vid`): the identification
    authority tasks the nearest free patrol of a track's picture to a track shown with one of
    ``identities``; after the patrol's flight and a look, it declares what the pilots saw."""

    enabled: bool = Field(default=True, description="Task patrols to identify tracks visually.")
    identities: list[Literal["suspect", "unknown"]] = Field(
        default=["suspect", "unknown"],
        min_length=1,
        max_length=2,
        description="Standard identities of the tracks a patrol is tasked to identify, in "
        "order of priority.",
    )
    dash_speed_m_s: float = Field(
        default=300.0,
        gt=0,
        le=1000,
        description="Speed of the patrol on its way to the track (m/s; ~Mach 0.9 at altitude).",
    )
    max_flight_s: float = Field(
        default=1200.0,
        gt=0,
        le=36000,
        description="Longest flight to a track the authority tasks (s; fuel and time).",
    )
    look_s: float = Field(
        default=60.0,
        ge=0,
        le=3600,
        description="Time to close in, identify by eye and report, once at the track (s).",
    )
    search_radius_m: float = Field(
        default=10e3,
        gt=0,
        le=100e3,
        description="The pilots find an object within this distance of the track's "
        "position (their own radar under the controller's vectors); none: no contact (m).",
    )


class Identification(_Model):
    """Thresholds of the identification rules of the sensed picture (`iamd.identify.identity`,
    docs/identification.md): maturity, sustain, hysteresis, the cue's probabilities and the
    kinematic criteria. The defaults are the rules' own; each field is a sweep parameter
    (``--param identification.sustain_updates=2,3,5``)."""

    min_updates: int = Field(
        default=4,
        ge=1,
        le=100,
        description="Maturity: updates before a track gets an identity (before: pending).",
    )
    min_age_s: float = Field(
        default=10.0,
        ge=0,
        le=3600,
        description="Maturity: age (s) before a track gets an identity.",
    )
    sustain_updates: int = Field(
        default=3,
        ge=1,
        le=100,
        description="A hostile criterion must hold on this many consecutive updates.",
    )
    sustain_s: float = Field(
        default=10.0, ge=0, le=3600, description="... spanning at least this long (s)."
    )
    promote_updates: int = Field(
        default=3,
        ge=1,
        le=100,
        description="Hysteresis: updates a more severe identity must hold to be shown.",
    )
    promote_s: float = Field(
        default=20.0,
        ge=0,
        le=3600,
        description="Hysteresis: time (s) a more severe identity must hold to be shown.",
    )
    demote_updates: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="Hysteresis: updates a less severe identity must hold to be shown.",
    )
    demote_s: float = Field(
        default=120.0,
        ge=0,
        le=36000,
        description="Hysteresis: time (s) a less severe identity must hold to be shown.",
    )
    suspect_p: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Cue probability of the hostile classes for suspect (S3).",
    )
    suspect_exit_p: float = Field(
        default=0.3,
        gt=0,
        le=1,
        description="A suspect track stays suspect down to this cue probability.",
    )
    civil_p: float = Field(
        default=0.9, gt=0, le=1, description="Cue probability of the civil class for neutral (N2)."
    )
    civil_exit_p: float = Field(
        default=0.7,
        gt=0,
        le=1,
        description="A neutral track stays neutral down to this cue probability.",
    )
    ballistic_min_speed_m_s: float = Field(
        default=600.0, gt=0, le=8000, description="Free fall (H2): at least this fast (m/s)."
    )
    civil_max_speed_m_s: float = Field(
        default=400.0,
        gt=0,
        le=8000,
        description="Outside the civil envelope (H3): faster than any airliner.",
    )
    civil_low_alt_m: float = Field(
        default=500.0,
        ge=0,
        le=30000,
        description="Outside the civil envelope (H3): fast and below this height (m) ...",
    )
    civil_low_max_speed_m_s: float = Field(
        default=200.0, gt=0, le=8000, description="... faster than this (m/s)."
    )
    near_m: float = Field(
        default=10e3,
        ge=0,
        le=1e6,
        description="Suspect near a protected "
        "zone or defended asset (S2) within this distance (m).",
    )
    visual: VisualIdentification = Field(
        default_factory=VisualIdentification,
        description="Visual identification by the scenario's patrols.",
    )

    @model_validator(mode="after")
    def _exits_below_entries(self) -> Identification:
        if self.suspect_exit_p > self.suspect_p:
            raise ValueError(
                f"suspect_exit_p must be <= suspect_p (got {self.suspect_exit_p} > "
                f"{self.suspect_p})"
            )
        if self.civil_exit_p > self.civil_p:
            raise ValueError(
                f"civil_exit_p must be <= civil_p (got {self.civil_exit_p} > {self.civil_p})"
            )
        return self


class Tracking(_Model):
    """Sensing and tracking settings of the sensed picture."""

    false_alarms_per_s: float = Field(
        default=0.1,
        ge=0,
        le=100,
        description="Mean false plots per second of each radar, spread over its coverage "
        "(a radar scanning every T s reports rate x T per scan).",
    )
    cooperative_dropout: float = Field(
        default=0.03,
        ge=0,
        le=1,
        description="Probability that one transponder (ADS-B, Mode S) or IFF reply is lost.",
    )
    model: Literal["imm", "cv", "bank"] = Field(
        default="imm",
        description="Motion models of the tracker: imm (straight flight, ballistic, "
        "manoeuvre), cv (one constant-velocity filter) or bank (straight flight and "
        "coordinated turns left and right).",
    )
    q_m2_s3: float = Field(
        default=1.0,
        gt=0,
        le=1e6,
        description="Process noise of the quiet motion models: the spectral density of the "
        "continuous white-noise acceleration per axis (m2/s3).",
    )
    gate_prob: float = Field(
        default=0.997, gt=0.5, lt=1, description="Probability of the chi-square gates."
    )
    pd: float | None = Field(
        default=None,
        gt=0,
        lt=1,
        description="Detection probability of a target at a look, in the track score; null: "
        "estimated online per picture from the looks at confirmed tracks (prior 0.9).",
    )
    clutter_density: float | None = Field(
        default=None,
        gt=0,
        le=1,
        description="False plots per m3 per scan in the track score; unset: estimated online "
        "per radar from the plots no track takes.",
    )
    confirmation: Literal["sprt", "m_of_n"] = Field(
        default="sprt",
        description="Track confirmation: sprt (sequential test on the track score) or m_of_n.",
    )
    false_track_prob: float = Field(
        default=1e-5,
        gt=0,
        lt=0.5,
        description="sprt: probability of confirming a false track (alpha).",
    )
    true_track_loss_prob: float = Field(
        default=0.1,
        gt=0,
        lt=0.5,
        description="sprt: probability of deleting a true tentative track (beta).",
    )
    delete_score_drop: float = Field(
        default=10.5,
        gt=0,
        le=1000,
        description="sprt: a confirmed track is deleted when its score falls this far below "
        "its maximum.",
    )
    confirm_m: int = Field(default=3, ge=1, le=64, description="m_of_n: hits (M) ...")
    confirm_n: int = Field(default=5, ge=1, le=64, description="... in the last N looks.")
    delete_misses: int = Field(
        default=5, ge=1, le=1000, description="m_of_n: consecutive missed looks that delete."
    )
    max_coast_s: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="A confirmed track without a plot this long is deleted (s).",
    )
    tentative_coast_s: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="A tentative track without a plot this long is deleted (s).",
    )

    @model_validator(mode="after")
    def _m_of_n(self) -> Tracking:
        if self.confirm_m > self.confirm_n:
            raise ValueError(
                f"confirm_m must not exceed confirm_n (got {self.confirm_m} > {self.confirm_n})"
            )
        return self


class LaunchArea(_Model):
    """A declared launch area (land or sea): a polygon or a disc. A track first detected inside
    it below ``ceiling_m`` was launched there (aircraft transiting high above it were not)."""

    name: Ident
    polygon: list[Waypoint] | None = Field(
        default=None, min_length=3, description="Corners (at least 3), in order."
    )
    lat_deg: Latitude | None = None
    lon_deg: Longitude | None = None
    radius_km: float | None = Field(default=None, gt=0, le=2000)
    ceiling_m: float = Field(
        default=3000.0,
        gt=0,
        le=100_000,
        description="First detections above this height do not count as launched here (m).",
    )

    @model_validator(mode="after")
    def _one_shape(self) -> LaunchArea:
        disc = (self.lat_deg, self.lon_deg, self.radius_km)
        has_disc = any(v is not None for v in disc)
        if self.polygon is None and not has_disc:
            raise ValueError("give either `polygon` or `lat_deg`, `lon_deg` and `radius_km`")
        if self.polygon is not None and has_disc:
            raise ValueError("give either `polygon` or a disc, not both")
        if has_disc and any(v is None for v in disc):
            raise ValueError("a disc needs `lat_deg`, `lon_deg` and `radius_km`")
        return self


class ProtectedZone(_Model):
    """A prohibited zone where civil flight is banned (around a nuclear plant, an air base):
    a disc around a defended asset or a point, between ``floor_m`` and ``ceiling_m``."""

    name: Ident
    asset: Ident | None = Field(default=None, description="Centre on this defended asset.")
    lat_deg: Latitude | None = None
    lon_deg: Longitude | None = None
    radius_km: float = Field(gt=0, le=200)
    floor_m: float = Field(default=-500.0, ge=-500, le=100_000)
    ceiling_m: float = Field(default=3000.0, gt=-500, le=100_000)

    @model_validator(mode="after")
    def _centre(self) -> ProtectedZone:
        has_point = self.lat_deg is not None or self.lon_deg is not None
        if (self.asset is None) == (not has_point):
            if self.asset is None:
                raise ValueError("give either `asset` or both `lat_deg` and `lon_deg`")
            raise ValueError("give either `asset` or a point, not both")
        if has_point and (self.lat_deg is None or self.lon_deg is None):
            raise ValueError("a point needs both `lat_deg` and `lon_deg`")
        if self.ceiling_m <= self.floor_m:
            raise ValueError(
                f"ceiling_m must be above floor_m (got {self.floor_m:g}..{self.ceiling_m:g})"
            )
        return self


class Corridor(_Model):
    """A safe-passage corridor for friendly aircraft: a route with a half-width and a height
    band. A silent track inside it is not declared hostile on origin or kinematics."""

    name: Ident
    points: list[Waypoint] = Field(min_length=2)
    half_width_km: float = Field(gt=0, le=100)
    floor_m: float = Field(default=-500.0, ge=-500, le=100_000)
    ceiling_m: float = Field(default=20_000.0, gt=-500, le=100_000)

    @model_validator(mode="after")
    def _band(self) -> Corridor:
        if self.ceiling_m <= self.floor_m:
            raise ValueError(
                f"ceiling_m must be above floor_m (got {self.floor_m:g}..{self.ceiling_m:g})"
            )
        return self


class Declaration(_Model):
    """A declaration by the identification authority (after a visual identification, say):
    from ``time_s`` on, the tracks inside the disc have this identity."""

    time_s: float = Field(ge=0, description="Time of the declaration (s after epoch).")
    lat_deg: Latitude
    lon_deg: Longitude
    radius_km: float = Field(gt=0, le=100)
    identity: Literal["hostile", "neutral", "friend"]
    duration_s: float = Field(
        default=60.0,
        gt=0,
        le=86_400,
        description="Tracks entering the disc this long after `time_s` are covered too (s).",
    )


class FlightPlan(_Model):
    """A filed flight plan, for procedural identification: a route, a time window and
    optionally the Mode 3/A code and call sign assigned. A track correlates with the plan
    while it is within ``half_width_km`` of the route (and between ``floor_m`` and
    ``ceiling_m``), flying it from its first point towards its last at ``min_speed_m_s`` or
    faster, between ``from_s`` and ``until_s``, and, when a code is filed and the track's
    transponder reply carries a code, replying that code. A correlated track is
    never hostile on origin and intent (criterion H4). One plan may cover several flights
    of a schedule (an ICAO repetitive flight plan): the window then spans them all."""

    id: Ident
    airway: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{4}-[A-Z]{4}$",
        description="The route of an airway of `civil_traffic.airways`, as ORIGIN-DESTINATION "
        "(ICAO codes, e.g. LBSF-LGAV): the great circle between the two airports.",
    )
    route: list[Waypoint] | None = Field(
        default=None, min_length=2, description="The route as waypoints (at least 2), in order."
    )
    from_s: float = Field(ge=-86_400, le=86_400, description="Start of the window (s after epoch).")
    until_s: float = Field(ge=-86_400, le=172_800, description="End of the window (s after epoch).")
    half_width_km: float = Field(
        default=10.0,
        gt=0,
        le=100,
        description="Half-width of the corridor around the route (km; ICAO airways are 5 NM, "
        "9.3 km, either side of the centre line).",
    )
    floor_m: float = Field(default=-500.0, ge=-500, le=100_000)
    ceiling_m: float = Field(default=20_000.0, gt=-500, le=100_000)
    min_speed_m_s: float = Field(
        default=0.0,
        ge=0,
        le=1000,
        description="Slowest ground speed that correlates (m/s): the filed cruising speed "
        "less margins for the climb, the approach and the wind (a drone flying the route at "
        "a fifth of an airliner's speed does not correlate).",
    )
    code: str | None = Field(
        default=None,
        pattern=r"^[0-7]{4}$",
        description="Mode 3/A code assigned (4 octal digits, e.g. '2301'; quote it in YAML).",
    )
    callsign: str | None = Field(
        default=None,
        pattern=r"^[A-Z0-9]{1,8}$",
        description="Aircraft identification of item 7 of the plan (for the evidence).",
    )

    @model_validator(mode="after")
    def _route_and_window(self) -> FlightPlan:
        if (self.airway is None) == (self.route is None):
            raise ValueError("give either `airway` or `route`, not both or neither")
        if self.until_s <= self.from_s:
            raise ValueError(
                f"until_s must be after from_s (got {self.from_s:g}..{self.until_s:g})"
            )
        if self.ceiling_m <= self.floor_m:
            raise ValueError(
                f"ceiling_m must be above floor_m (got {self.floor_m:g}..{self.ceiling_m:g})"
            )
        return self


class AirspaceControl(_Model):
    """Airspace control measures and identification criteria: who is hostile, where threats
    are launched, where civil flight is banned, where friendly aircraft pass safely, which
    flights are planned."""

    friendly_nations: list[NationCode] | None = Field(
        default=None,
        description="National airspace of these nations is friendly (default: the nations "
        "declared under `nations`).",
    )
    hostile_nations: list[NationCode] = Field(
        default_factory=list,
        description="A track first detected over these nations' territory comes from a "
        "hostile origin.",
    )
    launch_areas: list[LaunchArea] = Field(default_factory=list)
    protected_zones: list[ProtectedZone] = Field(default_factory=list)
    corridors: list[Corridor] = Field(default_factory=list)
    declarations: list[Declaration] = Field(default_factory=list)
    flight_plans: list[FlightPlan] = Field(
        default_factory=list,
        description="Filed flight plans: a track that correlates with one is not hostile on "
        "origin and intent.",
    )


class Theatre(_Model):
    """The map: its name, bounding box and the countries drawn on it."""

    name: str = "balkans"
    countries: list[NationCode] = Field(default_factory=list)
    lat_min_deg: Latitude = 33.0
    lat_max_deg: Latitude = 50.0
    lon_min_deg: Longitude = 12.0
    lon_max_deg: Longitude = 45.0

    @model_validator(mode="after")
    def _box(self) -> Theatre:
        if self.lat_min_deg >= self.lat_max_deg or self.lon_min_deg >= self.lon_max_deg:
            raise ValueError(
                "the bounding box must have min < max in latitude and longitude (got "
                f"lat_deg {self.lat_min_deg}..{self.lat_max_deg}, "
                f"lon_deg {self.lon_min_deg}..{self.lon_max_deg})"
            )
        return self


class Scenario(_Model):
    """A whole scenario file."""

    name: Ident
    description: str = ""
    epoch: AwareDatetime = Field(
        description="Time of t = 0, with its timezone (e.g. 2026-03-10T02:00:00Z for UTC)."
    )
    duration_s: float = Field(gt=0, le=86_400, description="Simulated time (s).")
    time_step_s: float = Field(default=2.0, gt=0, le=60, description="Clock step (s).")
    seed: int = Field(default=0, ge=0, description="Seed when `--seed` is not given.")
    policy: Policy = Policy.INTEGRATED
    picture: PictureMode = PictureMode.SENSED
    tracking: Tracking = Field(default_factory=Tracking)
    identification: Identification = Field(default_factory=Identification)
    theatre: Theatre = Field(default_factory=Theatre)
    nations: list[Nation] = Field(min_length=1)
    assets: list[Asset] = Field(default_factory=list)
    sensors: list[SensorUnit] = Field(default_factory=list)
    effectors: list[EffectorUnit] = Field(default_factory=list)
    raids: list[Raid] = Field(default_factory=list)
    patrols: list[Patrol] = Field(default_factory=list)
    civil_traffic: CivilTraffic = Field(default_factory=CivilTraffic)
    rules_of_engagement: RulesOfEngagement = Field(default_factory=RulesOfEngagement)
    airspace: AirspaceControl = Field(default_factory=AirspaceControl)
    catalog_overrides: dict[
        Literal["sensors", "effectors", "threats"], dict[str, dict[str, Any]]
    ] = Field(default_factory=dict, description="Replace catalog fields: section.type.field.")

    def epoch_utc(self) -> datetime:
        """The epoch as an aware UTC datetime."""
        return self.epoch.astimezone(UTC)
