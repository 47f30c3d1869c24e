"""The verdict machinery on synthetic metrics, no training: the paper's stage boundary, the
dimensionless effects, the four labels and `not testable here`; planted effects are recovered
and called supported, planted nulls never; coverage and false positives in simulation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hooke.curves import fit_run, two_phase
from hooke.hypotheses import HYPOTHESES, combine, label
from hooke.stages import contrast, crossing, run_stages, speeds
from hooke.verdicts import verdict_table

GRID = [0, 8, 16, 24, 32, 48, 64, 128, 256, 512, 800]
VOLUMES = [250, 500, 1000, 2000, 4000]
# Setting III axes: five sizes at one budget (3 df for H4's slope), three budgets of the
# middle size.
BASES = {
    "xs": (2.4e5, 8e5),
    "s": (5e5, 8e5),
    "m": (1.1e6, 8e5),
    "l": (2.2e6, 8e5),
    "xl": (4.4e6, 8e5),
    "m-200k": (1.1e6, 2e5),
    "m-400k": (1.1e6, 4e5),
}
REFERENCE = 0.3  # the base model's margin: where the fast stage ends
PARAMS = {"early_examples": 64, "alpha": 0.05, "power": 0.8, "independent_sft": True}
KEYS = ["base", "task", "direction", "aligner", "algorithm", "aligned", "seed"]


def _curve(x, gain: float, tau: float, drift: float, two_stage: bool):
    """A margin along the grid: two-stage, a return of `gain` to the base's level with time
    constant tau, then a slow drift; null, a straight line falling by `gain` over 128
    examples and on at that speed."""
    x = np.asarray(x, float)
    if two_stage:
        return REFERENCE + gain * np.exp(-x / tau) - drift * x
    return REFERENCE + gain - gain / 128 * x


def _runs(two_stage: bool, seeds=3, noise=0.0005, rng=None, bases=BASES, scale_with_gain=True):
    """Margins of every base, volume and seed. Planted (two_stage): a return whose gain
    grows with ln(volume) and with ln(size) / ln(tokens) of the base (faster where it is
    larger); null: straight lines, the same for every volume and base."""
    rng = rng or np.random.default_rng(0)
    rows, axes = [], []
    for base, (params, tokens) in bases.items():
        axes.append({"base": base, "params": params, "tokens": tokens})
        strength = 1 + 0.3 * math.log(params / 1.1e6) + 0.3 * math.log(tokens / 8e5)
        for n in VOLUMES:
            for seed in range(seeds):
                grows = (1 + 0.5 * math.log(n / 250)) * strength if scale_with_gain else 1.0
                gain = 0.05 * grows
                tau = 32 * math.exp(rng.normal(0, 0.1))
                y = _curve(GRID, gain, tau, 2e-5, two_stage) + rng.normal(0, noise, len(GRID))
                k = tokens / (n * 50)
                for x, value in zip(GRID, y, strict=True):
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
                            "value": value,
                            "reference": REFERENCE,
                            # Hooke's law: dA grows, dP shrinks; |dA / dP| = k
                            "bpb_aligned": 2.0 + (1e-4 * x if two_stage else -1e-4 * x),
                            "bpb_pretrain": 2.0 - 1e-4 * x / k,
                            "aligned_tokens": n * 50.0,
                            "pretrain_tokens": tokens,
                        }
                    )
    return pd.DataFrame(rows), pd.DataFrame(axes)


def _closure(effect: float, rng, closed: bool = True) -> pd.DataFrame:
    """Held-back per-prompt KLs before and after training, 3 seeds x 60 prompts x 3 pairs:
    the forward path closes 40% of its gap, the inverse path 40% + `effect` (crossed noise);
    `closed` False: training raises the KL instead."""
    seeds, prompts = rng.normal(0, 0.02, 3), rng.normal(0, 0.02, 60)
    rows = []
    for s in range(3):
        for p in range(60):
            for k in range(1, 4):
                start = 0.5 + 0.1 * rng.random()
                share = 0.4 + seeds[s] + prompts[p] + rng.normal(0, 0.02)
                sign = 1 if closed else -1
                rows.append(
                    {
                        "base": "b",
                        "task": "t",
                        "seed": s,
                        "slice_k": k,
                        "slice_l": k + 1,
                        "prompt_index": p,
                        "forward_kl_start": start,
                        "forward_kl_end": start * (1 - sign * share),
                        "inverse_kl_start": start,
                        "inverse_kl_end": start * (1 - sign * (share + effect)),
                    }
                )
    return pd.DataFrame(rows)


def _control(runs: pd.DataFrame, fall_per_example: float, rng) -> pd.DataFrame:
    """The base control of `runs`: per base and seed, the base's margin falling straight."""
    keys = runs[["base", "task", "direction", "aligner", "algorithm", "seed"]].drop_duplicates()
    rows = [
        {**key, "aligned": 0, "perturbed": x, "reference": REFERENCE}
        for key in keys.to_dict("records")
        for x in GRID
    ]
    frame = pd.DataFrame(rows)
    values = REFERENCE - fall_per_example * frame.perturbed + rng.normal(0, 0.0005, len(frame))
    return frame.assign(value=values)


def _verdicts(tables) -> dict[str, str]:
    table = tables["verdicts"]
    return dict(zip(table.hypothesis, table.verdict, strict=True))


def test_the_four_labels_follow_one_rule():
    sesoi = 0.2
    assert label(0.25, 0.5, sesoi) == "supported"
    assert label(0.01, 0.5, sesoi) == "supported"  # above 0 and reaching the SESOI
    assert label(0.01, 0.1, sesoi) == "negligible"  # real, but too small to matter
    assert label(-0.05, 0.1, sesoi) == "negligible"  # every effect it allows is too small
    assert label(-0.5, -0.01, sesoi) == "opposite"
    assert label(-0.1, 0.5, sesoi) == "inconclusive"
    assert label(math.nan, math.nan, sesoi) == "inconclusive"
    assert combine(["supported", "supported"]) == "supported"
    assert combine(["supported", "inconclusive"]) == "inconclusive"
    assert combine(["supported", "negligible", "inconclusive"]) == "negligible"
    assert combine(["negligible", "opposite"]) == "opposite"
    assert combine(["not testable here (needs x)"]) == "not testable here (needs x)"
    for h in HYPOTHESES.values():
        assert h.sesoi > 0 and h.measure and h.unit and h.test and h.needs
        assert len(h.rationale) > 40, h.key  # every SESOI says why it has its size


def test_the_fast_stage_ends_where_the_curve_reaches_the_base():
    x = np.array([0, 10, 20, 40, 80], float)
    y = np.array([1.0, 0.8, 0.55, 0.45, 0.4])
    assert crossing(x, y, 0.5) == pytest.approx(20 + 0.05 / 0.1 * 20)
    assert crossing(x, y, 1.2) == 0.0 and math.isnan(crossing(x, y, 0.1))
    fast, slow = speeds(x, y, 30.0)
    # fast: least squares through (0, 1), (10, 0.8), (20, 0.55), (30, 0.5)
    assert fast == pytest.approx(-np.polyfit([0, 10, 20, 30], [1, 0.8, 0.55, 0.5], 1)[0])
    assert slow == pytest.approx(-np.polyfit([30, 40, 80], [0.5, 0.45, 0.4], 1)[0])
    assert contrast(2.0, 1.0) == pytest.approx(1 / 3) and contrast(1.5, 1.0) == pytest.approx(0.2)
    assert contrast(1.0, -1.0) == 1.0 and math.isnan(contrast(0.0, 0.0))


def test_a_curve_that_never_reaches_the_base_splits_at_its_fitted_transition():
    runs, _ = _runs(True, seeds=1, bases={"m": (1.1e6, 8e5)})
    runs = runs.assign(reference=0.0)  # far below the curves: never reached
    from hooke.curves import fit_curves

    fits = fit_curves(runs, KEYS)
    stages = run_stages(runs, KEYS, "base_level", 64, fits)
    assert (stages.boundary_from == "fitted").all()
    expected = (fits.lag + 2 * fits.tau).clip(upper=800).to_numpy()
    assert stages.boundary.to_numpy() == pytest.approx(expected)
    assert (stages.contrast > 1 / 3).all()  # the planted curves are two-stage


def test_planted_effects_are_supported():
    rng = np.random.default_rng(1)
    runs, axes = _runs(two_stage=True, rng=rng)
    tables = verdict_table(_closure(0.05, rng), runs, axes, PARAMS, _control(runs, 1e-5, rng))
    verdicts = _verdicts(tables)
    table = tables["verdicts"].set_index("hypothesis")
    for key in ("H1", "H2", "H3", "H4", "H7:sft", "H7", "H8"):
        assert verdicts[key] == "supported", (key, table.loc[key])
    assert verdicts["H5"] == verdicts["H6a"] == verdicts["H6b"] == "descriptive"
    assert table.loc["H1"].ci_low <= 0.05 <= table.loc["H1"].ci_high
    # H6b: |dA / dP| = k exactly, so the fitted exponent is 1
    assert table.loc["H6b"].estimate == pytest.approx(1.0, abs=1e-6)
    assert "7 bases as clusters" in table.loc["H2"].note
    stages = tables["rebound_stages"]
    assert (stages.boundary_from == "base_level").all() and (stages.gain > 0).all()
    sensitivity = tables["verdict_sensitivity"]
    assert sensitivity.groupby("boundary").size().to_dict() == {
        "base_level": 3,
        "fitted": 3,
        "fixed": 3,
    }


def test_planted_nulls_are_not_supported():
    """Straight lines (no two stages), the same for every volume and base (no volume or
    size effect), a base control that falls as fast (no elasticity), no Setting I gap."""
    rng = np.random.default_rng(4)
    runs, axes = _runs(two_stage=False, rng=rng, scale_with_gain=False)
    control = _control(runs, 0.05 / 128, rng)
    tables = verdict_table(_closure(0.0, rng), runs, axes, PARAMS, control)
    verdicts = _verdicts(tables)
    for key in ("H1", "H2", "H3", "H4", "H7:sft", "H7", "H8"):
        assert verdicts[key] in ("inconclusive", "negligible", "opposite"), key
    assert verdicts["H2"] == "negligible"  # a straight line: contrast 0 within a tight CI


def test_what_the_design_cannot_test_says_so():
    rng = np.random.default_rng(2)
    runs, axes = _runs(True, seeds=1, rng=rng, bases={"m": (1.1e6, 8e5)})
    runs = runs[runs.aligned.isin([250, 1000])]
    params = {**PARAMS, "independent_sft": False}
    verdicts = _verdicts(verdict_table(_closure(0.05, rng), runs, axes, params))
    assert verdicts["H1"].startswith("not testable here (needs >= 2 independent SFT runs")
    for key in ("H2", "H3", "H4", "H5", "H7", "H8"):
        assert verdicts[key].startswith("not testable here (needs"), key
    raised = verdict_table(_closure(0.05, rng, closed=False), runs, axes, PARAMS)
    h1 = raised["verdicts"].set_index("hypothesis").loc["H1"]
    assert h1.verdict.startswith("not testable") and "closed the KL in 0 of" in h1.note


def test_few_bases_are_fixed_effects_over_their_seeds():
    """Two bases: no test over bases (1 df); seeds within them, bases fixed."""
    rng = np.random.default_rng(6)
    two = {"m": (1.1e6, 8e5), "l": (2.2e6, 8e5)}
    runs, axes = _runs(True, seeds=3, rng=rng, bases=two)
    table = verdict_table(_closure(0.0, rng), runs, axes, PARAMS)["verdicts"]
    h2 = table.set_index("hypothesis").loc["H2"]
    assert h2.verdict == "supported" and h2.df == 6 - 2
    assert "6 seeds within 2 base(s), bases fixed" in h2.note


def test_the_curve_model_recovers_lag_tau_and_the_half_gain():
    rng = np.random.default_rng(3)
    x = np.array(GRID, float)
    truth = (0.2, 0.1, 16.0, 40.0, -0.00005)  # c, a, lag, tau, b
    y = two_phase(x, *truth) + rng.normal(0, 0.0005, len(x))
    fit = fit_run(x, y, 0.2)  # the base's value: the gain is 0.1
    assert fit["tau"] == pytest.approx(40, rel=0.15) and fit["lag"] == pytest.approx(16, abs=6)
    assert fit["tau_low"] <= 40 <= fit["tau_high"]
    grid = np.linspace(0, 800, 80001)
    expected = grid[np.argmax(two_phase(grid, *truth) <= two_phase(0, *truth) - 0.05)]
    assert fit["half_gain"] == pytest.approx(expected, rel=0.1)
    for name in ("half_gain", "fast_slow", "tau"):  # every CI holds its point estimate
        assert fit[f"{name}_low"] <= fit[name] <= fit[f"{name}_high"], name
    assert fit["fast_slow"] > 10 and fit["transition"] == pytest.approx(fit["lag"] + 2 * fit["tau"])
    line = fit_run(x, 0.3 - 0.0001 * x + rng.normal(0, 0.001, len(x)), 0.2)
    assert not (line["fast_slow"] > 3)  # a straight line has no fast stage
    assert 0 <= line["lag"] <= 400  # the bounds hold, whatever the data


def _h2_experiment(rng, gain_sd: float, two_stage: bool) -> pd.DataFrame:
    """One design's H2 units: 3 bases x 2 seeds, one volume, each curve with its own gain
    and time constant."""
    rows = []
    for b in range(3):
        tau_b = 32 * math.exp(rng.normal(0, 0.2))
        for s in range(2):
            for n in (1000,):
                gain = 0.05 * math.exp(rng.normal(0, gain_sd))
                tau = tau_b * math.exp(rng.normal(0, 0.2))
                y = _curve(GRID, gain, tau, 2e-5, two_stage) + rng.normal(0, 0.001, len(GRID))
                rows += [
                    {
                        "base": b,
                        "task": "t",
                        "direction": "positive_first",
                        "aligner": "sft",
                        "algorithm": "sft",
                        "aligned": n,
                        "seed": s,
                        "perturbed": x,
                        "value": v,
                        "reference": REFERENCE,
                    }
                    for x, v in zip(GRID, y, strict=True)
                ]
    return pd.DataFrame(rows)


def _h2_units(frame):
    from hooke.effects import unit_contrasts

    return unit_contrasts(run_stages(frame, KEYS, "base_level", 64, None))


def test_h2_covers_its_estimand_and_rejects_a_null_at_its_level():
    """Coverage of the unit-level mean contrast at nominal 95% (the estimand: its mean over
    many units drawn the same way, bases random), and the false-positive rate at a true null
    (straight lines): the two properties the labels rest on."""
    from hooke.stats import replicated_mean

    rng = np.random.default_rng(11)
    population = pd.concat([_h2_units(_h2_experiment(rng, 0.3, True)) for _ in range(200)])
    truth = population.effect.mean()
    covered = supported = 0
    trials = 400  # 800 trials of this design gave 0.954
    for _ in range(trials):
        units = _h2_units(_h2_experiment(rng, 0.3, True))
        row = replicated_mean(units.effect, units.base)[0].summary()
        covered += row["ci_low"] <= truth <= row["ci_high"]
        null = _h2_units(_h2_experiment(rng, 0.3, False))
        row = replicated_mean(null.effect, null.base)[0].summary()
        supported += label(row["ci_low"], row["ci_high"], 1 / 3) == "supported"
    assert covered / trials >= 0.93
    assert supported / trials <= 0.05


def test_the_sampled_score_gets_its_own_secondary_h2_row():
    """The paper's readout, where it was sampled (eval.sample_at): its stages split where it
    reaches the base's score; a planted two-stage score is supported."""
    rng = np.random.default_rng(8)
    runs, axes = _runs(True, rng=rng)
    sampled = runs.perturbed.isin([0, 16, 32, 64, 128, 256, 512, 800])
    score = 0.5 + 2 * (runs.value - REFERENCE) + rng.normal(0, 0.002, len(runs))
    runs = runs.assign(mean_p_positive=np.where(sampled, score, np.nan))
    reference = pd.DataFrame({"base": list(BASES), "task": "t", "mean_p_positive": 0.5})
    table = verdict_table(_closure(0.0, rng), runs, axes, PARAMS, score_reference=reference)
    row = table["verdicts"].set_index("hypothesis").loc["H2:score"]
    assert row.verdict == "supported" and "sampled at 8 grid points" in row.note
