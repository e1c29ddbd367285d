"""Confidence intervals against published worked examples and known distributions; paired
differences on hand-made tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sps

from iamd.analysis.stats import (
    mean_t,
    newcombe_paired_interval,
    paired_mean_difference,
    paired_proportion_difference,
    proportion,
    wilson_interval,
)
from iamd.analysis.summary import (
    metrics_for,
    paired_stats,
    point_paired_stats,
    policy_stats,
    reference_policy,
)

# --- Wilson (1927) score interval ------------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "n", "lo", "hi"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (29, 29, 0.8830, 1.0000),
    ],
)
def test_wilson_interval_matches_newcombe_1998_table_i_method_3(
    k: int, n: int, lo: float, hi: float
) -> None:
    # Newcombe (1998a), Statist. Med. 17:857-872, Table I: method 3 (score, no correction)
    got = wilson_interval(k, n)
    assert got[0] == pytest.approx(lo, abs=5e-5)
    assert got[1] == pytest.approx(hi, abs=5e-5)


def test_wilson_interval_of_no_trials_is_undefined() -> None:
    lo, hi = wilson_interval(0, 0)
    assert math.isnan(lo) and math.isnan(hi)
    with pytest.raises(ValueError, match="0 <= k <= n"):
        wilson_interval(3, 2)


@given(st.integers(min_value=1, max_value=2000), st.data())
def test_wilson_interval_lies_in_unit_interval_and_holds_the_estimate(
    n: int, data: st.DataObject
) -> None:
    k = data.draw(st.integers(min_value=0, max_value=n))
    lo, hi = wilson_interval(k, n)
    assert 0.0 <= lo <= k / n <= hi <= 1.0


def test_wilson_interval_coverage_is_near_nominal_for_a_known_binomial() -> None:
    rng = np.random.default_rng(20260310)
    p, n, trials = 0.3, 40, 4000
    ks = rng.binomial(n, p, size=trials)
    covered = sum(lo <= p <= hi for lo, hi in (wilson_interval(int(k), n) for k in ks))
    assert 0.93 <= covered / trials <= 0.97


# --- Student t interval ------------------------------------------------------------------------


def test_t_interval_agrees_with_scipy() -> None:
    x = np.array([2.1, 3.4, 1.9, 5.0, 4.2, 3.3, 2.8])
    e = mean_t(x)
    lo, hi = sps.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=sps.sem(x))
    assert (e.value, e.n, e.method) == (pytest.approx(x.mean()), 7, "t")
    assert e.lo == pytest.approx(lo, rel=1e-12)
    assert e.hi == pytest.approx(hi, rel=1e-12)


def test_t_interval_covers_the_true_mean_of_normal_samples_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(1908)  # Student (1908)
    mu, sigma, n, trials = 3.0, 2.0, 8, 4000
    samples = rng.normal(mu, sigma, size=(trials, n))
    covered = 0
    for row in samples:
        e = mean_t(row)
        covered += e.lo <= mu <= e.hi
    # binomial standard error of the coverage: sqrt(.95 .05 / 4000) = 0.0034
    assert covered / trials == pytest.approx(0.95, abs=0.012)


def test_t_interval_leaves_nan_out_and_needs_two_values() -> None:
    e = mean_t([1.0, float("nan"), 3.0])
    assert (e.n, e.value) == (2, 2.0)
    one = mean_t([4.0])
    assert one.value == 4.0 and math.isnan(one.lo) and math.isnan(one.hi)
    none = mean_t([])
    assert none.n == 0 and math.isnan(none.value)


def test_proportion_counts_true_values_with_a_wilson_interval() -> None:
    e = proportion([True, False, True, True, float("nan")])
    assert (e.value, e.n, e.method) == (0.75, 4, "wilson")
    assert (e.lo, e.hi) == wilson_interval(3, 4)


# --- paired differences ------------------------------------------------------------------------


def test_newcombe_paired_interval_matches_fagerland_lydersen_laake_example() -> None:
    # Fagerland, Lydersen & Laake (2017), Statistical Analysis of Contingency Tables, ch. 8:
    # complete response before/after consolidation (Cavo et al. 2012), table (59, 6; 16, 80):
    # Newcombe square-and-add estimate -0.0621 (95% CI -0.1186 to -0.0046)
    lo, hi = newcombe_paired_interval(59, 6, 16, 80)
    estimate = (6 - 16) / 161
    assert estimate == pytest.approx(-0.0621, abs=5e-5)
    assert lo == pytest.approx(-0.1186, abs=5e-5)
    assert hi == pytest.approx(-0.0046, abs=5e-5)


@given(st.integers(0, 60), st.integers(0, 60), st.integers(0, 60), st.integers(0, 60))
def test_newcombe_paired_interval_holds_the_estimate_within_minus_one_one(
    a: int, b: int, c: int, d: int
) -> None:
    n = a + b + c + d
    lo, hi = newcombe_paired_interval(a, b, c, d)
    if n == 0:
        assert math.isnan(lo) and math.isnan(hi)
        return
    theta = (b - c) / n
    assert -1.0 <= lo <= theta + 1e-12
    assert theta - 1e-12 <= hi <= 1.0


def test_paired_proportion_difference_builds_the_2x2_table_from_runs() -> None:
    x = [1, 1, 1, 0, 0, 1, 0, 1]  # policy
    r = [1, 0, 1, 0, 1, 1, 0, 0]  # reference
    # both: runs 0, 2, 5 (a=3); policy only: 1, 7 (b=2); reference only: 4 (c=1); neither: 2
    e = paired_proportion_difference(x, r)
    assert (e.value, e.n, e.method) == (pytest.approx(1 / 8), 8, "newcombe-paired")
    assert (e.lo, e.hi) == newcombe_paired_interval(3, 2, 1, 2)


def test_paired_mean_difference_is_the_t_interval_of_per_run_differences() -> None:
    x = np.array([5.0, 7.0, 6.0, 9.0, float("nan")])
    r = np.array([4.0, 4.0, 5.0, 6.0, 1.0])
    e = paired_mean_difference(x, r)
    d = np.array([1.0, 3.0, 1.0, 3.0])
    lo, hi = sps.t.interval(0.95, 3, loc=d.mean(), scale=sps.sem(d))
    assert (e.value, e.n) == (2.0, 4)
    assert (e.lo, e.hi) == (pytest.approx(lo), pytest.approx(hi))


def _hand_table() -> pd.DataFrame:
    """Three runs × two policies; run 2 of ``integrated`` failed."""
    rows = []
    data = {
        # run: (national leakers, integrated leakers, national hit, integrated hit)
        0: (4, 1, True, False),
        1: (6, 2, True, True),
        2: (5, None, True, None),
        3: (3, 2, False, False),
    }
    for run, (ln, li, hn, hi) in data.items():
        for pol, lk, hit in (("national", ln, hn), ("integrated", li, hi)):
            ok = lk is not None
            rows.append(
                {
                    "run": run,
                    "policy": pol,
                    "status": "ok" if ok else "error",
                    "leakers": lk if ok else np.nan,
                    "assets_hit": int(bool(hit)) if ok else np.nan,
                    "hit_sofia": hit,
                }
            )
    return pd.DataFrame(rows)


def test_paired_stats_on_a_hand_made_table() -> None:
    df = _hand_table()
    metrics = [m for m in metrics_for(["sofia"]) if m.column in ("leakers", "hit_sofia")]
    pols = ["integrated", "national"]
    ref = reference_policy(pols)
    assert ref == "national"
    paired = paired_stats(df, pols, ref, metrics).set_index("metric")
    # leakers: integrated - national over runs 0, 1, 3 (run 2 failed): -3, -4, -1
    lk = paired.loc["leakers"]
    assert (lk["policy"], lk["reference"], lk["n"]) == ("integrated", "national", 3)
    assert lk["value"] == pytest.approx(-8 / 3)
    d = np.array([-3.0, -4.0, -1.0])
    lo, hi = sps.t.interval(0.95, 2, loc=d.mean(), scale=sps.sem(d))
    assert (lk["lo"], lk["hi"]) == (pytest.approx(lo), pytest.approx(hi))
    # hits: pairs (0: F vs T), (1: T vs T), (3: F vs F): a=1, b=0, c=1, d=1
    h = paired.loc["hit_sofia"]
    assert (h["n"], h["value"]) == (3, pytest.approx(-1 / 3))
    assert (h["lo"], h["hi"]) == newcombe_paired_interval(1, 0, 1, 1)
    per = policy_stats(df, pols, metrics).set_index(["policy", "metric"])
    assert per.loc[("integrated", "leakers"), "n"] == 3
    assert per.loc[("national", "leakers"), "value"] == pytest.approx(4.5)
    assert per.loc[("national", "hit_sofia"), "value"] == pytest.approx(0.75)


def test_reference_policy_is_national_when_compared_else_the_first() -> None:
    assert reference_policy(["integrated", "national"]) == "national"
    assert reference_policy(["shared_picture", "integrated"]) == "shared_picture"


def _two_point_table() -> pd.DataFrame:
    """Two grid points × two runs × two policies; run 1 of ``integrated`` at b=2 failed."""
    leakers = {  # (point, run): (national, integrated)
        ("1", 0): (3, 1),
        ("1", 1): (2, 1),
        ("2", 0): (5, 5),
        ("2", 1): (5, None),
    }
    rows = []
    for (b, run), pair in leakers.items():
        for pol, lk in zip(("national", "integrated"), pair, strict=True):
            rows.append(
                {
                    "run": run,
                    "point": f"b={b}",
                    "b": b,
                    "policy": pol,
                    "status": "error" if lk is None else "ok",
                    "leakers": np.nan if lk is None else lk,
                    "assets_hit": 0,
                }
            )
    return pd.DataFrame(rows)


def test_sweep_paired_differences_pair_runs_within_each_grid_point() -> None:
    df = _two_point_table()
    metrics = [m for m in metrics_for([]) if m.column == "leakers"]
    pols = ["national", "integrated"]
    points = [{"b": "1"}, {"b": "2"}]
    t = point_paired_stats(df, pols, "national", metrics, points)
    assert list(t.columns[:2]) == ["point", "b"]
    assert list(t["point"]) == ["b=1", "b=2"] and list(t["b"]) == ["1", "2"]
    assert set(t["policy"]) == {"integrated"} and set(t["reference"]) == {"national"}
    at = t.set_index("b")
    # b=1: differences -2, -1; b=2: only run 0 has both policies (run 1 failed): 0
    assert (at.loc["1", "n"], at.loc["1", "value"]) == (2, pytest.approx(-1.5))
    d = np.array([-2.0, -1.0])
    lo, hi = sps.t.interval(0.95, 1, loc=d.mean(), scale=sps.sem(d))
    assert (at.loc["1", "lo"], at.loc["1", "hi"]) == (pytest.approx(lo), pytest.approx(hi))
    assert (at.loc["2", "n"], at.loc["2", "value"]) == (1, 0.0)
    assert math.isnan(at.loc["2", "lo"])  # a t interval needs two pairs
    # each point's rows are paired_stats of that point's runs alone
    alone = paired_stats(df[df["point"] == "b=1"], pols, "national", metrics)
    pd.testing.assert_frame_equal(
        t[t["point"] == "b=1"].drop(columns=["point", "b"]).reset_index(drop=True), alone
    )
    # over several points, a pair is (run, point): run 0 at b=1 is not paired with b=2
    pooled = paired_stats(df, pols, "national", metrics).iloc[0]
    assert (pooled["n"], pooled["value"]) == (3, pytest.approx(-1.0))


def test_sweep_paired_differences_are_empty_with_one_policy() -> None:
    df = _two_point_table()
    df = df[df["policy"] == "national"]
    metrics = [m for m in metrics_for([]) if m.column == "leakers"]
    t = point_paired_stats(df, ["national"], "national", metrics, [{"b": "1"}, {"b": "2"}])
    assert len(t) == 0
    assert {"point", "b", "reference", "value", "lo", "hi"} <= set(t.columns)
