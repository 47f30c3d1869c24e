"""The statistics behind every verdict, on planted data: estimates, and the coverage of their
95% CIs in simulation (nominal 0.95; asserted >= 0.93)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hooke.stats import Inference, cluster_mean, crossed_mean, family_slopes

SIMULATIONS = 2000  # per coverage test (family slopes: 500, each a pandas fit per base)


def _covers(inference: Inference, truth: float) -> bool:
    row = inference.summary()
    return row["ci_low"] <= truth <= row["ci_high"]


def test_crossed_mean_on_hand_numbers():
    # y = 1 + seed effect (+-1) + prompt effect (0, 2, 4); no interaction: MS_error = 0
    y = np.array([[0.0, 2.0, 4.0], [2.0, 4.0, 6.0]])
    result = crossed_mean(y)
    assert result.estimate == pytest.approx(3.0)
    # MS_seed = 3 * (1 + 1) / 1 = 6, MS_prompt = 2 * (4 + 0 + 4) / 2 = 8, MS_error = 0:
    # Var(mean) = (6 + 8 - 0) / 6
    assert result.se == pytest.approx(math.sqrt(14 / 6))
    with pytest.raises(ValueError):
        crossed_mean(np.array([[1.0, np.nan], [2.0, 3.0]]))


def test_crossed_mean_covers_when_seeds_and_prompts_are_crossed():
    """3 seeds x 200 prompts, every seed answering the same prompts: a seed effect twice the
    item noise, a shared prompt effect. A nested resampling (prompts within seeds) covers
    ~85% here; the crossed model must keep its nominal level."""
    rng = np.random.default_rng(0)
    truth, hits = 0.02, 0
    for _ in range(SIMULATIONS):
        seeds = rng.normal(0, 0.02, size=(3, 1))
        prompts = rng.normal(0, 0.01, size=(1, 200))
        y = truth + seeds + prompts + rng.normal(0, 0.01, size=(3, 200))
        hits += _covers(crossed_mean(y), truth)
    print(f"crossed_mean coverage: {hits / SIMULATIONS:.3f} of {SIMULATIONS}")
    assert hits / SIMULATIONS >= 0.93


def test_cluster_mean_covers_with_runs_clustered_in_bases():
    rng = np.random.default_rng(1)
    truth, hits = 0.01, 0
    clusters = np.repeat(np.arange(5), 6)  # 5 bases x 6 runs
    for _ in range(SIMULATIONS):
        base = rng.normal(0, 0.01, size=5)[clusters]
        values = truth + base + rng.normal(0, 0.01, size=len(clusters))
        hits += _covers(cluster_mean(values, clusters), truth)
    print(f"cluster_mean coverage: {hits / SIMULATIONS:.3f} of {SIMULATIONS}")
    assert hits / SIMULATIONS >= 0.93


def test_family_slopes_cover_a_planted_slope():
    rng = np.random.default_rng(2)
    truth, hits, simulations = 0.004, 0, 500
    volumes = np.log([250, 500, 1000, 2000, 4000])
    for _ in range(simulations):
        rows = []
        for base in range(4):
            offset, tilt = rng.normal(0, 0.02), rng.normal(0, 0.002)
            for seed in range(3):
                for x in volumes:
                    y = offset + (truth + tilt) * x + rng.normal(0, 0.004)
                    rows.append({"base": base, "seed": seed, "x": x, "y": y})
        inference, slopes = family_slopes(pd.DataFrame(rows), "x", "y", ["base"], "base")
        hits += _covers(inference, truth)
    assert len(slopes) == 4
    print(f"family_slopes coverage: {hits / simulations:.3f} of {simulations}")
    assert hits / simulations >= 0.93


def test_one_family_uses_its_own_regression():
    frame = pd.DataFrame({"base": "b", "x": [0.0, 1.0, 2.0, 3.0], "y": [0.0, 1.1, 1.9, 3.0]})
    inference, _ = family_slopes(frame, "x", "y", ["base"], "base")
    assert inference.estimate == pytest.approx(0.98)
    assert inference.df == 2


def test_summary_states_ci_p_and_mde_from_se_and_df():
    from scipy.stats import t

    row = Inference(0.05, 0.01, 10, 11).summary()
    q = t.ppf(0.975, 10)
    assert row["ci_low"] == pytest.approx(0.05 - q * 0.01)
    assert row["p_one_sided"] == pytest.approx(t.sf(5.0, 10))
    assert row["mde"] == pytest.approx((q + t.ppf(0.8, 10)) * 0.01)
    undefined = Inference(0.05, math.nan, 0, 1).summary()
    assert math.isnan(undefined["ci_low"]) and math.isnan(undefined["mde"])


def test_few_clusters_are_fixed_effects_over_the_units_within_them():
    """Two bases: the mean of the base means with the pooled within-base variance (df =
    units - bases); three or more: the bases themselves are the units."""
    from hooke.stats import fixed_effect_mean, replicated_mean

    values, bases = [1.0, 2.0, 3.0, 5.0, 6.0, 7.0], ["a"] * 3 + ["b"] * 3
    fixed = fixed_effect_mean(values, bases)
    # base means 2 and 6; pooled variance (2 + 2) / 4 = 1; SE = sqrt(1 * (1/3 + 1/3)) / 2
    assert fixed.estimate == pytest.approx(4.0) and fixed.df == 4
    assert fixed.se == pytest.approx(math.sqrt(2 / 3) / 2)
    inference, design = replicated_mean(values, bases)
    assert inference == fixed and design == "6 seeds within 2 base(s), bases fixed"
    three = replicated_mean([1.0, 2.0, 4.0], ["a", "b", "c"])
    assert three[1] == "3 bases as clusters" and three[0].df == 2
    assert fixed_effect_mean([1.0, 2.0], ["a", "b"]).df == 0  # one unit per base: no test


def test_no_spread_is_exact_but_rounding_noise_is_no_effect_and_no_replicates_no_test():
    """Identical replicates (se 0, df > 0): the CI is the point itself; a point that is 0 up
    to rounding (3e-17 from two identical slopes) is no effect, never 'supported'. No
    replicates (df 0, e.g. a line through two points): no inference."""
    from hooke.hypotheses import label

    exact = Inference(0.02, 0.0, 2, 3).summary()
    assert exact["ci_low"] == exact["ci_high"] == 0.02 and exact["p_one_sided"] == 0.0
    noise = Inference(-3e-17, 0.0, 1, 2).summary()
    assert noise["estimate"] == noise["ci_low"] == 0.0 and noise["p_one_sided"] == 1.0
    assert label(noise["ci_low"], noise["ci_high"], 0.002) == "negligible"
    alone = Inference(0.5, 0.0, 0, 1).summary()
    assert math.isnan(alone["ci_low"]) and math.isnan(alone["p_one_sided"])
