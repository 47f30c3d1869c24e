"""Each hypothesis's dimensionless effect, per replication unit (hooke.hypotheses says which
effect and why): the share of the starting KL each Setting I path closed; the speed contrast
of a rebound curve's two stages (hooke.stages); the relative change of the fast-stage speed
per doubling of the aligning volume, of a base's size or of its tokens; the contrast of the
aligned runs' fast-stage speed with the base control's over the same window. Pure pandas:
the verdict layer (hooke.verdicts) turns these units into inferences and labels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from hooke.stages import contrast, window_speed

UNIT = ["base", "task", "direction", "aligner", "algorithm", "seed"]
RUN = [*UNIT[:5], "aligned", "seed"]


def closure_gaps(closure: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """H1 per (seed, held-back prompt): the inverse path's share of its starting KL closed,
    minus the forward path's, each share taken against the path's mean starting KL over the
    held-back prompts of its (seed, pair) (a scale treated as fixed), pairs averaged within
    (seed, prompt). Also the sanity count: paths whose training closed the KL (mean kl_end
    below mean kl_start) out of all paths."""
    frame = closure.copy()
    cell = ["base", "task", "seed", "slice_k", "slice_l"]
    closed = total = 0
    for path in ("forward", "inverse"):
        start, end = frame[f"{path}_kl_start"], frame[f"{path}_kl_end"]
        scale = frame.groupby(cell)[f"{path}_kl_start"].transform("mean")
        frame[f"{path}_share"] = (start - end) / scale
        means = frame.groupby(cell)[[f"{path}_kl_start", f"{path}_kl_end"]].mean()
        closed += int((means[f"{path}_kl_end"] < means[f"{path}_kl_start"]).sum())
        total += len(means)
    frame["gap"] = frame.inverse_share - frame.forward_share
    gaps = frame.groupby(["seed", "prompt_index"]).gap.mean().reset_index()
    return gaps, {"closed": closed, "paths": total}


def unit_contrasts(stages: pd.DataFrame) -> pd.DataFrame:
    """H2 (and H7, per algorithm) per seed within base: the runs' speed contrast, averaged
    over the aligning volumes of that base, algorithm and seed."""
    grouped = stages.dropna(subset=["contrast"]).groupby(UNIT, dropna=False)
    return grouped.contrast.mean().rename("effect").reset_index()


def relative_slope(x, y) -> float:
    """The OLS slope of y on log2 x over the mean |y|: y's relative change per doubling of x;
    NaN with fewer than 3 distinct x."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    keep = np.isfinite(x) & np.isfinite(y) & (x > 0)
    x, y = x[keep], y[keep]
    scale = float(np.mean(np.abs(y))) if len(y) else 0.0
    if len(np.unique(x)) < 3 or scale == 0:
        return math.nan
    return float(np.polyfit(np.log2(x), y, 1)[0] / scale)


def volume_slopes(stages: pd.DataFrame) -> pd.DataFrame:
    """H3 per seed within base: the fast-stage speed's relative change per doubling of the
    aligning volume, across that base and seed's volumes."""
    rows = [
        {**dict(zip(UNIT, key, strict=True)), "effect": relative_slope(g.aligned, g.fast)}
        for key, g in stages.groupby(UNIT, dropna=False, sort=True)
    ]
    return pd.DataFrame(rows, columns=[*UNIT, "effect"])


def axis_slope(stages: pd.DataFrame, axes: pd.DataFrame, axis: str, held: str):
    """H4 (axis params, held tokens) and H5 (tokens, held params): each base's mean
    fast-stage speed against its place on the axis, among the largest group of bases that
    share the held axis and span >= 3 values of this one. Returns (frame of bases, their
    relative slope per doubling and its SE, or None when no such group exists)."""
    per_base = stages.groupby("base").fast.mean().rename("fast").reset_index()
    frame = per_base.merge(axes, on="base", how="inner").dropna(subset=[axis, "fast"])
    groups = [g for _, g in frame.groupby(held, dropna=False) if g[axis].nunique() >= 3]
    if not groups:
        return None
    best = max(groups, key=len).sort_values(axis)
    from scipy.stats import linregress

    scale = float(best.fast.abs().mean())
    fit = linregress(np.log2(best[axis].astype(float)), best.fast)
    if scale == 0:
        return None
    return best, float(fit.slope / scale), float(fit.stderr / scale)


def control_contrasts(stages: pd.DataFrame, controls: pd.DataFrame) -> pd.DataFrame:
    """H8 per seed within base and algorithm: the aligned runs' fast-stage speed (mean over
    volumes) against the base control's fall over the aligned runs' mean fast-stage window,
    as a speed contrast."""
    aligned = stages.dropna(subset=["fast", "boundary"]).groupby(UNIT, dropna=False)
    summary = aligned.agg(fast=("fast", "mean"), window=("boundary", "mean")).reset_index()
    rows = []
    for key, run in controls.groupby(UNIT, dropna=False, sort=True):
        match = summary
        for name, value in zip(UNIT, key, strict=True):
            match = match[match[name] == value]
        if match.empty:
            continue
        run = run.sort_values("perturbed")
        control = window_speed(run, float(match.window.iloc[0]))
        row = {**dict(zip(UNIT, key, strict=True)), "control_fast": control}
        row.update(aligned_fast=float(match.fast.iloc[0]))
        row["effect"] = contrast(row["aligned_fast"], control)
        rows.append(row)
    return pd.DataFrame(rows, columns=[*UNIT, "control_fast", "aligned_fast", "effect"])


def like_for_like(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs of one direction and algorithm that every base ran (the main setting,
    positive_first SFT, when all have it), so that bases are compared like for like."""
    kinds = [set(zip(g.direction, g.algorithm, strict=True)) for _, g in runs.groupby("base")]
    shared = set.intersection(*kinds) if kinds else set()
    if not shared:
        return runs.iloc[0:0]
    direction, algorithm = min(shared, key=lambda k: (k[0] != "positive_first", k[1] != "sft", k))
    return runs[(runs.direction == direction) & (runs.algorithm == algorithm)]
