"""The verdict machinery on synthetic metrics, no training: planted effects are recovered and
called supported; null data are never called supported."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hooke.curves import fit_run, two_phase
from hooke.hypotheses import HYPOTHESES, combine, verdict
from hooke.verdicts import run_falls, verdict_table

GRID = [0, 8, 16, 24, 32, 48, 64, 128, 256, 512, 800]
VOLUMES = [250, 500, 1000, 2000, 4000]
# Setting III axes: three sizes at one budget, three budgets of the middle size.
BASES = {
    "xs": (2.4e5, 8e5),
    "m": (1.1e6, 8e5),
    "l": (2.2e6, 8e5),
    "m-200k": (1.1e6, 2e5),
    "m-400k": (1.1e6, 4e5),
}


def _runs(two_stage: bool, seeds=3, noise=0.002, rng=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Margins along the grid. Planted (two_stage): an exponential return whose size grows
    with ln(volume) and with ln(size) / ln(tokens) of the base, on top of a slow linear drift.
    Null: a straight line, the same for every volume and base."""
    rng = rng or np.random.default_rng(0)
    rows, axes = [], []
    for base, (params, tokens) in BASES.items():
        axes.append({"base": base, "params": params, "tokens": tokens})
        strength = 1 + 0.3 * math.log(params / 1.1e6) + 0.3 * math.log(tokens / 8e5)
        for n in VOLUMES:
            for seed in range(seeds):
                a = 0.05 * (1 + 0.5 * math.log(n / 250)) * strength if two_stage else 0.0
                for x in GRID:
                    y = 0.3 + a * math.exp(-x / 32) - 0.0001 * x + rng.normal(0, noise)
                    # Hooke's law: dA grows, dP shrinks; |dA / dP| = k
                    k = tokens / (n * 50)
                    rows.append(
                        {
                            "base": base,
                            "task": "t",
                            "direction": "positive_first",
                            "aligner": "sft",
                            "algorithm": "sft",
                            "aligned": n,
                            "seed": seed,
                            "perturbed": x,
                            "margin": y,
                            "bpb_aligned": 2.0 + (1e-4 * x if two_stage else -1e-4 * x),
                            "bpb_pretrain": 2.0 - 1e-4 * x / k,
                            "aligned_tokens": n * 50.0,
                            "pretrain_tokens": tokens,
                        }
                    )
    return pd.DataFrame(rows), pd.DataFrame(axes)


def _gaps(effect: float, rng) -> pd.DataFrame:
    """Held-back per-prompt KL gaps, 3 seeds x 100 prompts x 3 pairs, crossed noise."""
    seeds, prompts = rng.normal(0, 0.01, 3), rng.normal(0, 0.01, 100)
    rows = [
        {
            "seed": s,
            "prompt_index": p,
            "slice_k": k,
            "slice_l": k + 1,
            "gap_kl_end": effect + seeds[s] + prompts[p] + rng.normal(0, 0.01),
        }
        for s in range(3)
        for p in range(100)
        for k in range(1, 4)
    ]
    return pd.DataFrame(rows)


PARAMS = {"early_examples": 64, "alpha": 0.05, "power": 0.8}


def _verdicts(table: pd.DataFrame) -> dict[str, str]:
    return dict(zip(table.hypothesis, table.verdict, strict=True))


def test_planted_effects_are_supported():
    rng = np.random.default_rng(1)
    runs, axes = _runs(two_stage=True, rng=rng)
    table = verdict_table(_gaps(0.03, rng), runs, axes, PARAMS)
    verdicts = _verdicts(table)
    for key in ("H1", "H2", "H3", "H4", "H5", "H6a", "H6b", "H7:sft", "H7"):
        assert verdicts[key] == "supported", (key, table.set_index("hypothesis").loc[key])
    h1 = table.set_index("hypothesis").loc["H1"]
    assert h1.ci_low <= 0.03 <= h1.ci_high
    assert h1.mde > 0 and h1.p_one_sided < 0.025
    # H6b: |dA / dP| = k exactly, so the fitted exponent is 1
    assert table.set_index("hypothesis").loc["H6b"].estimate == pytest.approx(1.0, abs=1e-6)


def test_null_data_are_not_supported():
    """A straight-line fall, the same for every volume and base, no Setting I gap. (One draw:
    each test alone would call a null supported with probability 0.025; the rate is checked
    below over many draws.)"""
    rng = np.random.default_rng(4)
    runs, axes = _runs(two_stage=False, rng=rng)
    table = verdict_table(_gaps(0.0, rng), runs, axes, PARAMS)
    verdicts = _verdicts(table)
    for key in ("H1", "H2", "H3", "H4", "H5", "H7:sft", "H7"):
        assert verdicts[key] in ("inconclusive", "contradicted"), key
    # same signs in every run: the opposite-sign claim is contradicted outright
    assert verdicts["H6a"] == "contradicted"
    assert set(table.columns) >= {"estimate", "ci_low", "ci_high", "p_one_sided", "mde", "sesoi"}


def test_false_positive_rate_of_the_two_stage_test():
    """Over 200 null data sets (straight lines, 5 bases x 3 volumes x 2 seeds), H2's test
    calls the claim supported at most about as often as its level (0.025) allows."""
    from hooke.stats import cluster_mean

    rng = np.random.default_rng(5)
    x = np.array(GRID, float)
    supported = 0
    for _ in range(200):
        rows = [
            {
                "base": b,
                "task": "t",
                "direction": "positive_first",
                "aligner": "sft",
                "algorithm": "sft",
                "aligned": n,
                "seed": s,
                "perturbed": xi,
                "value": 0.3 - 1e-4 * xi + e,
            }
            for b in range(5)
            for n in (250, 1000, 4000)
            for s in range(2)
            for xi, e in zip(x, rng.normal(0, 0.002, len(x)), strict=True)
        ]
        falls = run_falls(pd.DataFrame(rows), 64)
        row = cluster_mean(falls["index"], falls.base).summary()
        supported += verdict(row["ci_low"], row["ci_high"], 0.005) == "supported"
    assert supported / 200 <= 0.05


def test_verdict_rules():
    assert verdict(0.01, 0.05, 0.02) == "supported"
    assert verdict(-0.05, -0.01, 0.02) == "contradicted"
    assert verdict(-0.01, 0.01, 0.02) == "contradicted"  # rules out every meaningful effect
    assert verdict(-0.01, 0.05, 0.02) == "inconclusive"
    assert verdict(math.nan, math.nan, 0.02) == "inconclusive"
    assert combine(["supported", "supported"]) == "supported"
    assert combine(["supported", "inconclusive"]) == "inconclusive"
    assert combine(["supported", "contradicted"]) == "contradicted"
    assert all(h.sesoi > 0 and h.measure and h.unit and h.test for h in HYPOTHESES.values())


def test_run_falls_split_early_and_late():
    x = np.array(GRID, float)
    runs = pd.DataFrame(
        {
            "base": "b",
            "task": "t",
            "direction": "positive_first",
            "aligner": "sft",
            "algorithm": "sft",
            "aligned": 100,
            "seed": 0,
            "perturbed": x,
            "value": np.where(x <= 64, 1 - 0.001 * x, 1 - 0.064 - 0.0001 * (x - 64)),
        }
    )
    falls = run_falls(runs, 64).iloc[0]
    assert falls.early_fall == pytest.approx(0.1)
    assert falls.late_fall == pytest.approx(0.01)
    assert falls["index"] == pytest.approx(0.09)


def test_curve_model_recovers_tau_and_the_half_gain():
    rng = np.random.default_rng(3)
    x = np.array(GRID, float)
    truth = (0.2, 0.1, 40.0, -0.00005)  # c, a, tau, b
    y = two_phase(x, *truth) + rng.normal(0, 0.001, len(x))
    reference = 0.2  # the base's value: the gain is 0.1
    fit = fit_run(x, y, reference)
    assert fit["tau"] == pytest.approx(40, rel=0.15)
    # half the gain (0.05) is lost where 0.1 exp(-x/40) - 0.00005 x = 0.05
    grid = np.linspace(0, 800, 80001)
    expected = grid[np.argmax(0.1 * np.exp(-grid / 40) - 0.00005 * grid <= 0.05)]
    assert fit["half_gain"] == pytest.approx(expected, rel=0.1)
    assert fit["half_gain_low"] <= expected <= fit["half_gain_high"]
    assert fit["fast_slow"] > 10  # a fast fall, then a slow one
    line = fit_run(x, 0.3 - 0.0001 * x + rng.normal(0, 0.001, len(x)), 0.2)
    assert not (line["fast_slow"] > 3)  # a straight line has no fast stage


def test_bases_are_compared_on_the_setting_they_all_ran():
    from hooke.verdicts import like_for_like

    falls = pd.DataFrame(
        {
            "base": ["a", "a", "b"],
            "direction": ["positive_first"] * 3,
            "algorithm": ["dpo", "sft", "sft"],  # dpo sorts first, but only base a ran it
        }
    )
    assert like_for_like(falls).algorithm.tolist() == ["sft", "sft"]


def _control(runs: pd.DataFrame, fall_per_example: float, rng) -> pd.DataFrame:
    """The base control of `runs`: per base and seed, a straight fall of the margin."""
    keys = runs[["base", "task", "direction", "aligner", "algorithm", "seed"]].drop_duplicates()
    rows = [
        {**key, "aligned": 0, "perturbed": x, "margin": 0.3 - fall_per_example * x}
        for key in keys.to_dict("records")
        for x in GRID
    ]
    frame = pd.DataFrame(rows)
    return frame.assign(margin=frame.margin + rng.normal(0, 0.002, len(frame)))


def test_h8_compares_the_aligned_runs_early_fall_with_the_base_controls():
    """Planted two-stage runs fall faster early than a control that moves slowly: H8
    supported; against a control that falls faster still: contradicted; without control
    runs, no H8 row."""
    rng = np.random.default_rng(3)
    runs, axes = _runs(two_stage=True, rng=rng)
    slow = verdict_table(_gaps(0.0, rng), runs, axes, PARAMS, _control(runs, 1e-4, rng))
    fast = verdict_table(_gaps(0.0, rng), runs, axes, PARAMS, _control(runs, 5e-3, rng))
    assert _verdicts(slow)["H8"] == "supported"
    assert _verdicts(fast)["H8"] == "contradicted"
    assert "H8" not in _verdicts(verdict_table(_gaps(0.0, rng), runs, axes, PARAMS))
    note = slow.set_index("hypothesis").loc["H8", "note"]
    assert note.startswith(f"{5 * 3} (base, algorithm, seed) pairs")
