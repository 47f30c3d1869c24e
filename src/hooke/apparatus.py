"""The apparatus check, before any verdict: runs whose truth is known, judged by the same
stage split, effects and labels as the aligned runs (hooke.verdicts).

- the positive control (distill_base: distillation toward the base, whose fixed point is
  the base): the aligned models must return toward the base (H3 and H8 supported) while the
  base control stays flat; each volume's share of its gain returned by the grid's end;
- the null control (distill_self: distillation toward the model's own start, a fixed point
  from the first step): whatever moves is the training path's own drift; no hypothesis may
  come out supported;
- both at every learning-rate factor of rebound.lr_factors; and the aligned runs' own
  primary labels at each factor beside the 1x ones (a label that flips where the controls
  say the effect is detectable is a property of the design).
Pure pandas; reads the runs hooke.verdicts reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from hooke.curves import fit_curves
from hooke.effects import RUN
from hooke.stages import run_stages
from hooke.variants import DISTILL, REBOUND_DISTILL, REBOUND_LR, named, parse
from hooke.verdicts import Judge, margin_runs, rebound_rows

# What each control must show: hypothesis -> the label it must have ("not supported":
# anything but supported); hypotheses not listed are reported, not checked.
EXPECTED = {
    "distill_base": {"H3": "supported", "H8": "supported"},
    "distill_self": {"H2": "not supported", "H3": "not supported", "H8": "not supported"},
}
# The planted cases (hooke.planted): what each must show. The exponential case's H3 is
# true only where the aligned models' gains grow with the volume: checked when they do.
PLANTED = {
    "exponential": {"H2": "supported", "H3": "supported", "H8": "supported"},
    "linear": {"H2": "not supported"},
    "same_speed": {"H3": "not supported"},
    "moving_control": {"H8": "not supported"},
}
EXPECTED.update(PLANTED)
FLAT = 0.1  # a base control is flat when it moves less than this share of the runs' gain
COVERED = 0.8  # the planted tau must lie within the fitted CI of this share of the runs


def _labels(runs: pd.DataFrame, params: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """H2, H3 and H8 on one set of runs (aligned volumes; volume 0: their base control)."""
    aligned, control = runs[runs.aligned > 0], runs[runs.aligned == 0]
    if aligned.empty:
        return {}
    fits = fit_curves(aligned, RUN, params.get("seed", 0))
    stages = run_stages(aligned, RUN, "base_level", params["early_examples"], fits)
    judge = Judge(params.get("alpha", 0.05), params.get("power", 0.8))
    rows = rebound_rows(judge, stages, pd.DataFrame(), control)
    return {r["hypothesis"]: r for r in rows if r["hypothesis"] in ("H2", "H3", "H8")}


def returned(runs: pd.DataFrame) -> pd.DataFrame:
    """Per volume (mean over seeds): the share of its gain over the base a run gave back by
    the grid's end; for the base control (volume 0), its move as a share of the runs' mean
    gain, and whether it stayed flat."""
    rows = []
    for (aligned, seed), run in runs.groupby(["aligned", "seed"], sort=True):
        run = run.sort_values("perturbed")
        start, end, reference = run.value.iloc[0], run.value.iloc[-1], run.reference.iloc[0]
        rows.append(
            {"aligned": aligned, "seed": seed, "gain": start - reference, "fall": start - end}
        )
    frame = pd.DataFrame(rows)
    mean_gain = frame[frame.aligned > 0].gain.mean()
    frame["share"] = np.where(
        frame.aligned > 0, frame.fall / frame.gain, frame.fall.abs() / mean_gain
    )
    return frame.groupby("aligned", sort=True)[["gain", "share"]].mean().reset_index()


def _row(control: str, factor: float, hypothesis: str, found: dict | None) -> dict[str, Any]:
    expected = EXPECTED.get(control, {}).get(hypothesis, "reported")
    verdict = found["verdict"] if found else "no runs"
    if expected == "supported":
        passed = verdict == "supported"
    elif expected == "not supported":
        passed = verdict != "supported"
    else:
        passed = None
    stats = {k: (found or {}).get(k, np.nan) for k in ("estimate", "ci_low", "ci_high", "mde")}
    return {
        "control": control,
        "lr_factor": factor,
        "check": hypothesis,
        "expected": expected,
        **stats,
        "verdict": verdict,
        "passed": passed,
        "note": (found or {}).get("note", ""),
    }


def apparatus_table(runs: pd.DataFrame, params: Mapping[str, Any]) -> pd.DataFrame:
    """The apparatus check of the distillation controls (`runs`: their readouts, like the
    aligned runs', with `value` and `reference`), per control and learning-rate factor."""
    rows = []
    if runs.empty:
        return pd.DataFrame(rows)
    for algorithm, mine in runs.groupby("algorithm", sort=True):
        control, factor = parse(algorithm)
        found = _labels(mine, params)
        rows += [_row(control, factor, h, found.get(h)) for h in ("H2", "H3", "H8")]
        shares = returned(mine)
        flat = shares[shares.aligned == 0]
        if control == "distill_base" and len(flat):
            moved = float(flat.share.iloc[0])
            rows.append(
                {
                    "control": control,
                    "lr_factor": factor,
                    "check": "base control",
                    "expected": f"moves < {FLAT:.0%} of the runs' gain",
                    "estimate": moved,
                    "verdict": "flat" if moved < FLAT else "moved",
                    "passed": moved < FLAT,
                    "note": "",
                }
            )
        gains = shares[shares.aligned > 0]
        note = ", ".join(
            f"{int(a)}: {s:.0%}" for a, s in zip(gains.aligned, gains.share, strict=True)
        )
        rows.append(
            {
                "control": control,
                "lr_factor": factor,
                "check": "gain returned by the grid's end",
                "expected": "reported",
                "estimate": float(gains.share.mean()) if len(gains) else np.nan,
                "verdict": "reported",
                "passed": None,
                "note": note,
            }
        )
    return pd.DataFrame(rows)


def planted_table(
    runs: pd.DataFrame, truth: pd.DataFrame, params: Mapping[str, Any]
) -> pd.DataFrame:
    """The apparatus check of the planted controls: each case's labels against what was
    planted, and whether the curve model recovers the planted time constant."""
    from hooke.curves import fit_curves
    from hooke.effects import relative_slope
    from hooke.hypotheses import HYPOTHESES

    if runs.empty:
        return pd.DataFrame()
    gains = truth[truth.metric == "planted_gain"].groupby("aligned").value.mean()
    growing = relative_slope(gains.index, gains.to_numpy()) >= HYPOTHESES["H3"].sesoi
    rows = []
    for case, mine in runs.groupby("algorithm", sort=True):
        found = _labels(mine, params)
        for h in ("H2", "H3", "H8"):
            row = _row(case, 1.0, h, found.get(h))
            if case == "exponential" and h == "H3" and not growing:
                row.update(expected="reported (the gains do not grow with the volume)", passed=None)
            rows.append({**row, "control": f"planted {case}"})
    exponential = runs[(runs.algorithm == "exponential") & (runs.aligned > 0)]
    tau = float(truth[truth.metric == "planted_tau"].value.iloc[0])
    fits = fit_curves(exponential, RUN, params.get("seed", 0))
    covered = ((fits.tau_low <= tau) & (tau <= fits.tau_high)).mean() if len(fits) else np.nan
    rows.append(
        {
            "control": "planted exponential",
            "lr_factor": 1.0,
            "check": "tau recovered",
            "expected": f"planted tau {tau:g} within the fitted CI in >= {COVERED:.0%} of runs",
            "estimate": float(fits.tau.median()) if len(fits) else np.nan,
            "ci_low": float(fits.tau_low.median()) if len(fits) else np.nan,
            "ci_high": float(fits.tau_high.median()) if len(fits) else np.nan,
            "verdict": f"within the CI in {covered:.0%} of {len(fits)} runs",
            "passed": bool(covered >= COVERED),
            "note": "median fitted tau and CI",
        }
    )
    return pd.DataFrame(rows)


def lr_rows(primary: pd.DataFrame, runs: pd.DataFrame, params: Mapping[str, Any]) -> pd.DataFrame:
    """The aligned runs' H2, H3 and H8 at each learning-rate factor other than 1 (`runs`:
    setting rebound_lr), beside their 1x labels (`primary`: the verdict table)."""
    rows = []
    at_one = dict(zip(primary.hypothesis, primary.verdict, strict=True)) if len(primary) else {}
    for algorithm, mine in runs.groupby("algorithm", sort=True):
        root, factor = parse(algorithm)
        for key, found in _labels(mine, params).items():
            rows.append(
                {
                    "algorithm": root,
                    "lr_factor": factor,
                    "hypothesis": key,
                    "estimate": found["estimate"],
                    "ci_low": found["ci_low"],
                    "ci_high": found["ci_high"],
                    "verdict": found["verdict"],
                    "verdict_1x": at_one.get(key, ""),
                    "flips": found["verdict"] != at_one.get(key, found["verdict"]),
                }
            )
    return pd.DataFrame(rows)


def control_runs(con) -> dict[str, pd.DataFrame]:
    """The distillation controls' runs, the aligned runs' learning-rate variants, the planted
    controls' runs and what was planted."""
    from hooke.aggregate import run_sql

    frames = {
        name: margin_runs(con, setting).assign(value=lambda f: f.margin)
        for name, setting in (
            ("distill", REBOUND_DISTILL),
            ("lr", REBOUND_LR),
            ("planted", "control_planted"),
        )
    }
    return {**frames, "truth": run_sql(con, "planted_truth")}


def apparatus(con, primary: pd.DataFrame, params: Mapping[str, Any]):
    """The apparatus table (planted controls first, then the distillation controls) and the
    learning-rate rows of the sensitivity table."""
    runs = control_runs(con)
    table = pd.concat(
        [
            planted_table(runs["planted"], runs["truth"], params),
            apparatus_table(runs["distill"], params),
        ],
        ignore_index=True,
    )
    return table, lr_rows(primary, runs["lr"], params)


__all__ = ["DISTILL", "apparatus", "apparatus_table", "named", "planted_table", "returned"]
