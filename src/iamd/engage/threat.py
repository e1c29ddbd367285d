"""Threat evaluation: which defended asset each hostile track threatens, how likely it is to
hit it, when it gets there, and how the tracks rank.

The first role of the engagement chain (evaluate → envelope → assign → shoot). For M tracks
with estimated ECEF states and A defended assets, everything is computed as (M, A) arrays, in
the spirit of the threat-evaluation reviews of Roux and van Vuuren ("Threat evaluation and
weapon assignment decision support: A review of the state of the art", *ORiON* 23(2), 2007)
and Johansson and Falkman ("A Bayesian network approach to threat evaluation with
application to an air defense scenario", *Proc. 11th Int. Conf. on Information Fusion*,
2008): capability (the threat can reach the asset) and intent (its course points at it) are
read from kinematics alone, through the closest point of approach (CPA) and the time to it.

What it models
--------------
*Ballistic tracks* (class ``ballistic_missile``) fly unpowered under gravity. Their free flight
is propagated in closed form by :func:`iamd.track.predict.kepler_ecef` (two-body gravity in the
rotating ECEF frame; Curtis, *Orbital Mechanics for Engineering Students*, algorithms 3.3–3.4)
on a grid of look-ahead times τ = 0, Δ, 2Δ, … up to ``horizon_s`` (Δ = ``impact_step_s``).
The first grid time at which the height above the WGS84 ellipsoid is ≤ 0 brackets the
impact, which the Illinois variant of regula falsi (Dowell and Jarratt, *BIT* 11, 1971)
refines in ``impact_iterations`` steps to well under a millisecond. The predicted impact
point is the aim point; the time to go is the impact time. Assets have no site height in
the scenario, so the surface is the ellipsoid (height 0), as for the truth model
(:mod:`iamd.world.ballistic`). Drag and J2 are ignored: against the truth trajectories of
the six catalog MRBMs (1,050–1,950 km; drag, J2 and Earth rotation), the impact predicted
from a free-flight state lies at most 1.3–2.4 km from the true one just after burnout (J2
acting over the whole flight), at most 0.57–0.74 km from apogee on, and within 40 m a few
seconds before impact; it overshoots by up to 0.85 km (drag) and comes 0.1–6.9 s early.
``model_sigma_m`` (1 km) covers this error. A track that is still climbing below
``boost_ceiling_m`` (it may be under power, so its free flight says little) or whose free
flight does not come down within ``horizon_s`` has no predicted impact and falls back to the
heading model below.

*Air-breathing tracks* (drones, cruise missiles, aircraft) are taken to fly straight on at
their current ground velocity. In the local East-North plane of the track, with ground
distances scaled to the great-circle arc, an asset at along-track distance u and
cross-track distance c has its CPA at time ``u / s`` (s the ground speed) and miss distance
c; an asset behind the track (u ≤ 0) or any asset of a track slower than ``min_speed_m_s``
(no direction) has its CPA now, at the current distance. A track heading straight at an
asset hits it; the miss distance is uncertain by

    σ_c² = σ_p² + (σ_ψ u⁺)²,    σ_ψ² = (σ_v / s)² + σ_intent²,

the track's horizontal position error σ_p, and a heading error σ_ψ from the track's velocity
error σ_v and the threat's own course changes σ_intent (``intent_sigma_rad``): cruise
missiles and one-way attack drones fly doglegs between waypoints, so early predictions can
point at the wrong asset, and σ_c grows with the distance still to fly. In angular terms this
is a Gaussian in the off-bearing angle whose width widens for near assets (σ_p / u). Several
assets can lie on one course; the threat strikes the first it is aimed at, so the aim
probability of an asset is its on-line probability times the probability that no asset met
earlier is the aim (a nuclear plant 300 km behind the port a drone dives on is not its aim).

*Aim probability* (``p_hit``). With m the predicted miss distance (ballistic: impact point
to asset centre; air: the CPA miss), r the asset's radius and σ the uncertainty of the
predicted miss, the default model (``p_hit_model = "footprint"``) is

    p_hit = exp(−(m − r)⁺² / (2 σ²)),

equal to 1 when the prediction falls inside the footprint. For a ballistic track it is the
Rayleigh tail of the circular normal prediction error, P(|ε| ≥ m − r): the probability
that the prediction is off by at least the distance to the footprint, so that the threat may
well be aimed at the asset. Threats are aimed at assets, so an impact predicted 2 km from a
1 km-radius plant with σ = 2 km means "aimed at the plant" (p = 0.88), not a 7 % hit
chance. The strict alternative (``p_hit_model = "offset_circle"``, ballistic tracks only) is
the probability that a circular normal of standard deviation σ centred on the predicted
impact falls within r of the asset, 1 − Q₁(m/σ, r/σ) with Marcum's Q function (the
offset-circle probability; J. I. Marcum, *IRE Trans. Inf. Theory* 6(2), 1960; A. R.
DiDonato and M. P. Jarnagin, "Integration of the general bivariate Gaussian distribution
over an offset circle", *Math. Comp.* 15, 1961), evaluated as the noncentral χ² (2 degrees of
freedom) distribution function; it tends to r²/(2σ²) for a wide prediction and so
undervalues ballistic threats against small assets. Pairs below ``min_p_hit`` count as 0.

For a ballistic impact σ² = ``model_sigma_m``² + σ_track², where σ_track is the track error
carried to the impact: with a covariance, the unscented transform of the impact map (13
symmetric sigma points, each flown to the ground; Julier and Uhlmann, *Proc. IEEE* 92(3),
2004), projected on the local horizontal and circularised, σ² = (σ_E² + σ_N²) / 2; without,
σ_track² = σ_p² + (σ_v τ)² from ``position_sigma_m`` and ``velocity_sigma_m_s``.

*Value and rank.* A track's threat value is ``max_a value_a · p_hit_a`` over the assets, and
the asset at risk is that argmax (the lowest index on ties; -1, with p_hit and value 0, when
no asset has p_hit > 0). The rank orders the tracks by value descending, then time to go
ascending, then index, so it is deterministic: rank 0 is the most threatening.

>>> import numpy as np
>>> from iamd.geo.wgs84 import enu_vector_to_ecef, lla_to_ecef
>>> lat, lon = np.radians(44.17), np.radians(28.66)        # Constanța
>>> assets = DefendedAssets(names=("port",), nation=("ROU",), lat_rad=np.array([lat]),
...     lon_rad=np.array([lon]), pos_ecef_m=lla_to_ecef(lat, lon, 0.0)[None],
...     radius_m=np.array([3e3]), value=np.array([8.0]))
>>> lon0 = lon - 50e3 / (6.39e6 * np.cos(lat))              # about 50 km west, 1 km up
>>> state = np.hstack([lla_to_ecef(lat, lon0, 1e3), enu_vector_to_ecef([50.0, 0, 0], lat, lon0)])
>>> ev = evaluate_threats(state[None], np.array([False]), assets)
>>> int(ev.asset[0]), float(ev.p_hit[0]), round(float(ev.time_to_go_s[0])), float(ev.value[0])
(0, 1.0, 1000, 8.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt
from scipy.stats import ncx2

from iamd.errors import InputError
from iamd.geo.borders import country_at
from iamd.geo.wgs84 import A_M, ecef_to_lla, enu_rotation, lla_to_ecef
from iamd.sense.radar import approx_height_m
from iamd.track.filters import cross3
from iamd.track.predict import kepler_ecef

if TYPE_CHECKING:
    from iamd.scenario.schema import Asset

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

__all__ = ["DefendedAssets", "ThreatEvaluation", "ThreatParams", "evaluate_threats"]

_N_STATE = 6
_NEAR_STEPS = 6  # half-width, in grid steps, of the search around a known impact time


@dataclass(frozen=True, slots=True, kw_only=True)
class ThreatParams:
    """Parameters of the threat-evaluation models (see the module docstring).

    Attributes:
        horizon_s: longest free flight searched for a ballistic impact (s); a track not down
            by then has no predicted impact (1,800 s covers any MRBM/IRBM from burnout).
        impact_step_s: spacing of the look-ahead grid that brackets the impact (s); a
            ballistic track descends a few tens of km in it, and height is monotone there.
        impact_iterations: Illinois (regula falsi) steps refining the bracketed impact time.
        boost_ceiling_m: a ballistic track climbing below this height (m) may still be under
            power and uses the heading model (catalog burnout heights are 60–100 km);
            0 disables the check.
        model_sigma_m: error of the drag- and J2-free impact prediction itself (m, 1σ per
            horizontal axis); the measured miss against the truth model is 0–2.4 km.
        position_sigma_m: track position error per axis (m, 1σ) when no covariance is given.
        velocity_sigma_m_s: track velocity error per axis (m/s, 1σ) without a covariance.
        intent_sigma_rad: heading change an air-breathing threat may still make (rad, 1σ):
            doglegs and waypoints, not track noise.
        min_speed_m_s: below this ground speed (m/s) a track has no direction of threat.
        min_p_hit: aim probabilities below this count as 0 (no asset at risk).
        p_hit_model: ``"footprint"`` (aim probability, default) or ``"offset_circle"``
            (probability that the ballistic impact falls within the asset's radius).
    """

    horizon_s: float = 1800.0
    impact_step_s: float = 20.0
    impact_iterations: int = 8
    boost_ceiling_m: float = 100e3
    model_sigma_m: float = 1000.0
    position_sigma_m: float = 300.0
    velocity_sigma_m_s: float = 10.0
    intent_sigma_rad: float = 0.1
    min_speed_m_s: float = 5.0
    min_p_hit: float = 1e-3
    p_hit_model: Literal["footprint", "offset_circle"] = "footprint"

    def __post_init__(self) -> None:
        positive = ("horizon_s", "impact_step_s", "model_sigma_m", "position_sigma_m")
        for name in positive:
            value = getattr(self, name)
            if not value > 0:
                raise InputError(f"ThreatParams.{name} must be > 0 (got {value})")
        non_negative = (
            "boost_ceiling_m",
            "velocity_sigma_m_s",
            "intent_sigma_rad",
            "min_speed_m_s",
            "min_p_hit",
        )
        for name in non_negative:
            value = getattr(self, name)
            if not value >= 0:
                raise InputError(f"ThreatParams.{name} must be >= 0 (got {value})")
        if self.impact_iterations < 0:
            raise InputError(
                f"ThreatParams.impact_iterations must be >= 0 (got {self.impact_iterations})"
            )
        if self.p_hit_model not in ("footprint", "offset_circle"):
            raise InputError(
                "ThreatParams.p_hit_model must be 'footprint' or 'offset_circle' "
                f"(got {self.p_hit_model!r})"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class DefendedAssets:
    """The defended assets of a scenario as arrays of shape (A,) or (A, 3).

    Attributes:
        names: asset names (scenario ``name``).
        nation: ISO 3166 alpha-3 code of each asset's nation.
        lat_rad, lon_rad: geodetic site (rad).
        pos_ecef_m: (A, 3) ECEF position of the site on the ellipsoid (m).
        radius_m: footprint radius (m).
        value: relative value (> 0).
    """

    names: tuple[str, ...]
    nation: tuple[str, ...]
    lat_rad: FloatArray
    lon_rad: FloatArray
    pos_ecef_m: FloatArray
    radius_m: FloatArray
    value: FloatArray

    def __len__(self) -> int:
        return len(self.names)

    @classmethod
    def from_assets(cls, assets: Sequence[Asset]) -> DefendedAssets:
        """Arrays from the scenario's validated :class:`iamd.scenario.schema.Asset` list
        (degrees and km there, radians and metres here; sites at ellipsoidal height 0)."""
        lat = np.radians(np.array([a.lat_deg for a in assets], dtype=np.float64))
        lon = np.radians(np.array([a.lon_deg for a in assets], dtype=np.float64))
        return cls(
            names=tuple(a.name for a in assets),
            nation=tuple(a.nation for a in assets),
            lat_rad=lat,
            lon_rad=lon,
            pos_ecef_m=lla_to_ecef(lat, lon, 0.0).reshape(len(assets), 3),
            radius_m=np.array([a.radius_km * 1e3 for a in assets], dtype=np.float64),
            value=np.array([a.value for a in assets], dtype=np.float64),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ThreatEvaluation:
    """Threat evaluation of M tracks against A assets.

    Attributes:
        aim_point_ecef_m: (M, 3) predicted aim point (m): the ballistic impact point, else the
            centre of the asset at risk; NaN when there is neither.
        asset: (M,) index of the asset at risk (-1: none).
        p_hit: (M,) aim probability of that asset (0 when none).
        time_to_go_s: (M,) time to the impact (ballistic) or to the CPA of the asset at risk
            (s; inf when there is neither).
        value: (M,) threat value, ``max_a value_a · p_hit_a``.
        rank: (M,) 0 = most threatening (value desc, time to go asc, index asc).
        ballistic_impact: (M,) the aim point is a predicted ballistic impact.
        miss_sigma_m: (M,) 1σ per horizontal axis of the predicted miss (m): of the impact
            point for a ballistic impact, else of the CPA of the asset at risk; NaN when
            there is neither.
        p_hit_by_asset: (M, A) aim probability of every asset.
    """

    aim_point_ecef_m: FloatArray
    asset: IntArray
    p_hit: FloatArray
    time_to_go_s: FloatArray
    value: FloatArray
    rank: IntArray
    ballistic_impact: BoolArray
    miss_sigma_m: FloatArray
    p_hit_by_asset: FloatArray


def evaluate_threats(
    state: FloatArray,
    ballistic: BoolArray,
    assets: DefendedAssets,
    params: ThreatParams | None = None,
    *,
    covar: FloatArray | None = None,
) -> ThreatEvaluation:
    """Aim point, asset at risk, aim probability, time to go, value and rank of M tracks.

    Args:
        state: (M, 6) estimated ECEF position and velocity (m, m/s).
        ballistic: (M,) the track is a ballistic missile (else air-breathing).
        assets: the A defended assets.
        params: model parameters (default :class:`ThreatParams`).
        covar: optional (M, 6, 6) state covariance (m², m²/s, m²/s²); without it the track
            errors are ``params.position_sigma_m`` and ``params.velocity_sigma_m_s``.

    Returns:
        A :class:`ThreatEvaluation`. Tracks with a non-finite state threaten nothing.

    Raises:
        InputError: if the shapes of ``state``, ``ballistic`` or ``covar`` disagree.
    """
    prm = ThreatParams() if params is None else params
    x = np.asarray(state, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != _N_STATE:
        raise InputError(f"evaluate_threats: state must have shape (M, 6) (got {x.shape})")
    m_n = x.shape[0]
    bm = np.asarray(ballistic, dtype=bool)
    if bm.shape != (m_n,):
        raise InputError(f"evaluate_threats: ballistic must have shape ({m_n},) (got {bm.shape})")
    p_cov: FloatArray | None = None
    if covar is not None:
        p_cov = np.asarray(covar, dtype=np.float64)
        if p_cov.shape != (m_n, _N_STATE, _N_STATE):
            raise InputError(
                f"evaluate_threats: covar must have shape ({m_n}, 6, 6) (got {p_cov.shape})"
            )
    a_n = len(assets)
    ok = np.asarray(np.isfinite(x).all(axis=1), dtype=bool)
    if p_cov is not None:
        ok &= np.asarray(np.isfinite(p_cov).all(axis=(1, 2)), dtype=bool)
    x = np.where(ok[:, None], x, np.array([A_M, 0.0, 0.0, 0.0, 0.0, 0.0]))
    if p_cov is not None:
        p_cov = np.where(ok[:, None, None], p_cov, 0.0)

    aim = np.full((m_n, 3), np.nan)
    ttg_all = np.full((m_n, a_n), np.inf)
    p_all = np.zeros((m_n, a_n))
    sig2_all = np.full((m_n, a_n), np.nan)
    sig_impact = np.full(m_n, np.nan)
    impact = np.zeros(m_n, dtype=bool)
    t_impact = np.full(m_n, np.inf)

    # Ballistic tracks: the two-body impact, unless still climbing in the boost layer.
    cand = np.flatnonzero(bm & ok & ~_maybe_boosting(x, prm.boost_ceiling_m))
    if len(cand):
        pos_i, tau_i, found = _ballistic_impact(x[cand], prm)
        hit = cand[found]
        impact[hit] = True
        aim[hit] = pos_i[found]
        t_impact[hit] = tau_i[found]
        sig2 = _impact_sigma2(x[hit], tau_i[found], pos_i[found], p_cov, hit, prm)
        sig_impact[hit] = np.sqrt(sig2[:, 0])
        if a_n:
            miss = np.linalg.norm(pos_i[found][:, None, :] - assets.pos_ecef_m[None], axis=-1)
            p_all[hit] = _aim_probability(miss, assets.radius_m[None], sig2, prm.p_hit_model)
            ttg_all[hit] = tau_i[found][:, None]

    # Air-breathing tracks, and ballistic tracks without a predicted impact: the heading.
    air = np.flatnonzero(ok & ~impact)
    if len(air) and a_n:
        p_h, t_h, s_h = _heading_model(x[air], None if p_cov is None else p_cov[air], assets, prm)
        p_all[air] = p_h
        ttg_all[air] = t_h
        sig2_all[air] = s_h

    p_all = np.where(p_all >= prm.min_p_hit, p_all, 0.0)
    worth = p_all * assets.value[None, :]
    if a_n:
        best = np.argmax(worth, axis=1)
        rows = np.arange(m_n)
        value = worth[rows, best]
        some = value > 0.0
        asset = np.where(some, best, -1).astype(np.int64)
        p_hit = np.where(some, p_all[rows, best], 0.0)
        ttg_best = np.where(some, ttg_all[rows, best], np.inf)
        sig_best = np.where(some, np.sqrt(sig2_all[rows, best]), np.nan)
        aim_air = ~impact & some
        aim[aim_air] = assets.pos_ecef_m[best[aim_air]]
    else:
        value = np.zeros(m_n)
        asset = np.full(m_n, -1, dtype=np.int64)
        p_hit = np.zeros(m_n)
        ttg_best = np.full(m_n, np.inf)
        sig_best = np.full(m_n, np.nan)
    time_to_go = np.where(impact, t_impact, ttg_best)
    miss_sigma = np.where(impact, sig_impact, sig_best)
    order = np.lexsort((np.arange(m_n), time_to_go, -value))
    rank = np.empty(m_n, dtype=np.int64)
    rank[order] = np.arange(m_n, dtype=np.int64)
    return ThreatEvaluation(
        aim_point_ecef_m=aim,
        asset=asset,
        p_hit=p_hit,
        time_to_go_s=time_to_go,
        value=value,
        rank=rank,
        ballistic_impact=impact,
        miss_sigma_m=miss_sigma,
        p_hit_by_asset=p_all,
    )


def threatened_nation(
    evaluation: ThreatEvaluation,
    defended: DefendedAssets,
    state_6: FloatArray,
    nations: list[str],
) -> npt.NDArray[np.str_]:
    """(M,) the nation each threat threatens: that of its asset at risk, else the scenario
    nation whose territory lies under the track (Natural Earth), else ``''``."""
    out = np.full(len(evaluation.asset), "", dtype=object)
    has = evaluation.asset >= 0
    if has.any():
        out[has] = np.array(defended.nation, dtype=object)[evaluation.asset[has]]
    rest = np.flatnonzero(~has)
    if len(rest):
        lat, lon, _ = ecef_to_lla(state_6[rest, :3])
        under = np.atleast_1d(np.asarray(country_at(lat, lon))).astype(str)
        out[rest] = np.where(np.isin(under, nations), under, "")
    return out.astype(str)


# --------------------------------------------------------------------------- private helpers


def _maybe_boosting(x: FloatArray, ceiling_m: float) -> BoolArray:
    """(M,) the track climbs below ``ceiling_m``: possibly still under power."""
    r = x[:, :3]
    climb = np.einsum("ij,ij->i", r, x[:, 3:]) / np.linalg.norm(r, axis=1)
    return np.asarray((approx_height_m(r) < ceiling_m) & (climb > 0.0))


def _height_at(x: FloatArray, tau: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Two-body positions (n, k, 3) and ellipsoidal heights (n, k) after ``tau`` (n, k)."""
    pos = kepler_ecef(x[:, :3], x[:, 3:], tau)
    return pos, approx_height_m(pos)


def _ballistic_impact(
    x: FloatArray, prm: ThreatParams, near_s: FloatArray | None = None
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Impact point (n, 3), time (n,) and whether one was found within the horizon (n,).

    The first grid time at height ≤ 0 brackets the crossing; Illinois steps refine it. A
    track already at or below the ground impacts now. With ``near_s`` (n,), a guess of the
    impact times, the grid is first only ``±_NEAR_STEPS`` steps around the guess; rows whose
    crossing is not bracketed there are searched over the whole horizon.
    """
    n = x.shape[0]
    if near_s is None:
        full = np.append(np.arange(0.0, prm.horizon_s, prm.impact_step_s), prm.horizon_s)
        grid = np.broadcast_to(full, (n, len(full)))
    else:
        offsets = prm.impact_step_s * np.arange(-_NEAR_STEPS, _NEAR_STEPS + 1)
        grid = np.clip(near_s[:, None] + offsets, 0.0, prm.horizon_s)
    _, h = _height_at(x, grid)
    down = h <= 0.0
    found = np.asarray(down.any(axis=1), dtype=bool)
    k = np.argmax(down, axis=1)
    now = found & (k == 0)
    k = np.maximum(k, 1)
    rows = np.arange(n)
    a, fa = grid[rows, k - 1], h[rows, k - 1]
    b, fb = grid[rows, k], h[rows, k]
    for _ in range(prm.impact_iterations):
        den = fb - fa
        c = np.where(den != 0.0, b - fb * (b - a) / np.where(den != 0.0, den, 1.0), b)
        c = np.clip(c, np.minimum(a, b), np.maximum(a, b))
        _, fc = _height_at(x, c[:, None])
        fc = fc[:, 0]
        flip = fc * fb < 0.0
        a, fa = np.where(flip, b, a), np.where(flip, fb, 0.5 * fa)
        b, fb = c, fc
    tau = np.where(now, 0.0, b)
    pos, _ = _height_at(x, tau[:, None])
    pos, tau = pos[:, 0, :], np.where(found, tau, np.inf)
    if near_s is not None:
        retry = np.flatnonzero(~found | (now & (grid[:, 0] > 0.0)))
        if len(retry):
            pos[retry], tau[retry], found[retry] = _ballistic_impact(x[retry], prm)
    return pos, tau, found


def _impact_sigma2(
    x: FloatArray,
    tau: FloatArray,
    impact: FloatArray,
    p_cov: FloatArray | None,
    rows: IntArray,
    prm: ThreatParams,
) -> FloatArray:
    """(n, 1) variance per horizontal axis of the predicted impact point (m²)."""
    n = x.shape[0]
    track = prm.position_sigma_m**2 + (prm.velocity_sigma_m_s * tau) ** 2
    if p_cov is not None and n:
        # Unscented transform of the impact map: x ± sqrt(6) S_i, equal weights 1/12.
        lam, vec = np.linalg.eigh(p_cov[rows])
        s = vec * np.sqrt(np.maximum(lam, 0.0) * _N_STATE)[:, None, :]  # columns S_i
        dev = np.concatenate([s, -s], axis=2).transpose(0, 2, 1)  # (n, 12, 6)
        pts = (x[:, None, :] + dev).reshape(-1, _N_STATE)
        pos_s, _, found_s = _ballistic_impact(pts, prm, np.repeat(tau, 2 * _N_STATE))
        pos_s = pos_s.reshape(n, 2 * _N_STATE, 3)
        all_found = found_s.reshape(n, 2 * _N_STATE).all(axis=1)
        d = pos_s - pos_s.mean(axis=1, keepdims=True)
        lat, lon, _ = ecef_to_lla(impact)
        horiz = enu_rotation(lat, lon)[:, :2, :]  # (n, 2, 3)
        d_en = np.einsum("nij,nkj->nki", horiz, d)
        ut = np.einsum("nki,nki->n", d_en, d_en) / (2.0 * 2 * _N_STATE)
        track = np.where(all_found, ut, track)
    return np.asarray(prm.model_sigma_m**2 + track)[:, None]


def _aim_probability(
    miss_m: FloatArray, radius_m: FloatArray, sigma2_m2: FloatArray, model: str
) -> FloatArray:
    """Aim probability from the miss distance, the radius and the miss variance (per axis)."""
    if model == "offset_circle":
        return np.asarray(
            ncx2.cdf(radius_m**2 / sigma2_m2, 2, miss_m**2 / sigma2_m2), dtype=np.float64
        )
    excess = np.maximum(miss_m - radius_m, 0.0)
    return np.asarray(np.exp(-0.5 * excess * excess / sigma2_m2))


def _heading_model(
    x: FloatArray, p_cov: FloatArray | None, assets: DefendedAssets, prm: ThreatParams
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Aim probability, time to CPA and miss variance (all (n, A)) of straight-flying tracks.

    In the track's East-North plane; ground distances are the horizontal offsets scaled by
    δ / sin δ (δ the central angle), which makes them great-circle arcs on a sphere.
    """
    pos, vel = x[:, :3], x[:, 3:]
    lat, lon, _ = ecef_to_lla(pos)
    rot = enu_rotation(lat, lon)[:, :2, :]  # (n, 2, 3): East and North
    vel_en = np.einsum("nij,nj->ni", rot, vel)
    speed = np.linalg.norm(vel_en, axis=1)
    moving = speed >= prm.min_speed_m_s
    heading = vel_en / np.where(moving, speed, 1.0)[:, None]
    diff = assets.pos_ecef_m[None, :, :] - pos[:, None, :]
    off_en = np.einsum("nij,naj->nai", rot, diff)
    u_pos = pos / np.linalg.norm(pos, axis=1, keepdims=True)
    u_ast = assets.pos_ecef_m / np.linalg.norm(assets.pos_ecef_m, axis=1, keepdims=True)
    cross = np.linalg.norm(cross3(u_pos[:, None, :], u_ast[None, :, :]), axis=-1)
    delta = np.arctan2(cross, u_pos @ u_ast.T)
    scale = np.where(delta > 1e-9, delta / np.where(delta > 1e-9, np.sin(delta), 1.0), 1.0)
    off_en = off_en * scale[..., None]
    dist = np.linalg.norm(off_en, axis=-1)
    along = np.einsum("nai,ni->na", off_en, heading)
    across = np.abs(off_en[..., 0] * heading[:, None, 1] - off_en[..., 1] * heading[:, None, 0])
    ahead = moving[:, None] & (along > 0.0)
    miss = np.where(ahead, across, dist)
    along_pos = np.where(ahead, along, 0.0)
    if p_cov is None:
        sp2 = np.full(len(x), prm.position_sigma_m**2)
        sv2 = np.full(len(x), prm.velocity_sigma_m_s**2)
    else:
        pp = np.einsum("nij,njk,nlk->nil", rot, p_cov[:, :3, :3], rot)
        pv = np.einsum("nij,njk,nlk->nil", rot, p_cov[:, 3:, 3:], rot)
        sp2 = np.maximum(0.5 * (pp[:, 0, 0] + pp[:, 1, 1]), 1.0)
        sv2 = 0.5 * (pv[:, 0, 0] + pv[:, 1, 1])
    heading_var = sv2 / np.where(moving, speed, 1.0) ** 2 + prm.intent_sigma_rad**2
    sig2 = sp2[:, None] + heading_var[:, None] * along_pos * along_pos
    p_line = _aim_probability(miss, assets.radius_m[None, :], sig2, "footprint")
    ttg = along_pos / np.where(moving, speed, 1.0)[:, None]
    return _first_on_the_line(p_line, ttg), ttg, sig2


def _first_on_the_line(p_line: FloatArray, ttg: FloatArray) -> FloatArray:
    """(n, A) aim probabilities from the on-line probabilities ``p_line`` (n, A): a threat
    strikes the first asset it reaches that it is aimed at, so an asset is the aim only if
    none met earlier on the course is, ``p_a · Π_{b reached before a} (1 − p_b)`` (a
    sequential-reach model). Without it an asset further down the line — a nuclear plant
    300 km behind a port a drone dives on — would take the value of the port's threat."""
    order = np.argsort(ttg, axis=1, kind="stable")
    p_sorted = np.take_along_axis(p_line, order, axis=1)
    before = np.cumprod(1.0 - p_sorted, axis=1)
    survive = np.hstack([np.ones((len(p_line), 1)), before[:, :-1]])
    out = np.empty_like(p_line)
    np.put_along_axis(out, order, p_sorted * survive, axis=1)
    return out
