"""Setting II and III summaries from the curves table: Table 3 (KL to the base after
alignment, and the perturbing examples needed to bring it under epsilon), the two-stage
slopes of each curve, the rank test of "more alignment data, steeper early drop", the
elasticity index and its trend over model size and pre-training tokens, and the fitted
exponent of the Hooke's-law check."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hooke.aggregate import run_sql
from hooke.stats import slope, spearman_one_sided

RUN = ["base", "task", "direction", "aligner", "algorithm", "aligned"]
SCORE = "mean_p_positive"


def crossing(points: Sequence[tuple[float, float]], epsilon: float) -> float:
    """The first x at which y falls under `epsilon`, linearly interpolated between grid
    points; NaN when it never does."""
    points = sorted(points)
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if y0 < epsilon:
            return x0
        if y1 < epsilon:
            return x0 + (y0 - epsilon) * (x1 - x0) / (y0 - y1)
    if points and points[-1][1] < epsilon and len(points) == 1:
        return points[0][0]
    return math.nan


def table3(curves: pd.DataFrame, epsilon: float) -> pd.DataFrame:
    """Per run: KL to the base after alignment (grid point 0) and the perturbing examples at
    which it first falls under epsilon (interpolated; NaN = not reached on the grid). KL to
    the base has a floor (the response format the alignment taught stays), so beside the
    paper's absolute epsilon: the lowest KL reached, and the examples that remove half of the
    KL the alignment put there."""
    rows = []
    kl = curves[curves.metric == "kl_to_base"]
    for key, run in kl.groupby(RUN, dropna=False, sort=True):
        points = list(zip(run.perturbed, run.value, strict=True))
        start = float(run[run.perturbed == 0].value.iloc[0])
        rows.append(
            {
                **dict(zip(RUN, key, strict=True)),
                "kl_after_alignment": start,
                "kl_at_end": float(run.sort_values("perturbed").value.iloc[-1]),
                "kl_min": float(run.value.min()),
                "epsilon": epsilon,
                "examples_to_epsilon": crossing(points, epsilon),
                # a reachable reference: the KL the alignment added, halved
                "examples_to_half_kl": crossing(points, start / 2),
            }
        )
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame["reached"] = frame.examples_to_epsilon.map(lambda x: not math.isnan(x))
    return frame


def slopes(curves: pd.DataFrame, early_examples: int) -> pd.DataFrame:
    """Per run, the two stages of the task-score curve: the least-squares slope over grid
    points up to `early_examples` perturbing examples (early) and from there on (late)."""
    rows = []
    score = curves[curves.metric == SCORE]
    for key, run in score.groupby(RUN, dropna=False, sort=True):
        run = run.sort_values("perturbed")
        x, y = run.perturbed.to_numpy(float), run.value.to_numpy(float)
        early = slope(x[x <= early_examples], y[x <= early_examples])
        late = slope(x[x >= early_examples], y[x >= early_examples])
        rows.append(
            {
                **dict(zip(RUN, key, strict=True)),
                "score_start": y[0],
                "score_end": y[-1],
                "early_slope": early,
                "late_slope": late,
                "early_drop_per_100": -100 * early,
                "late_drop_per_100": -100 * late,
                "early_to_late": early / late if late else math.nan,
            }
        )
    return pd.DataFrame(rows)


def rank_tests(slope_table: pd.DataFrame) -> pd.DataFrame:
    """Spearman correlation of the aligning volume with the early drop, per run family, and
    its one-sided p-value (exact for few volumes)."""
    rows = []
    for key, family in slope_table.groupby(RUN[:-1], dropna=False, sort=True):
        rho, p = spearman_one_sided(family.aligned, family.early_drop_per_100)
        rows.append(
            {
                **dict(zip(RUN[:-1], key, strict=True)),
                "volumes": family.aligned.nunique(),
                "spearman_rho": rho,
                "p_one_sided": p,
            }
        )
    return pd.DataFrame(rows)


def elasticity(slope_table: pd.DataFrame, axes: pd.DataFrame) -> pd.DataFrame:
    """The elasticity index of each run: early minus late drop of the task score per 100
    perturbing examples. Positive when the fall is fast and then slows (the paper's two-stage
    rebound), zero for a straight line, negative when it speeds up. With each base's size and
    pre-training tokens."""
    index = slope_table.assign(
        elasticity_index=slope_table.early_drop_per_100 - slope_table.late_drop_per_100
    )
    columns = [*RUN, "score_start", "early_drop_per_100", "late_drop_per_100"]
    return index[[*columns, "elasticity_index"]].merge(axes, on="base", how="left")


AXES = {"params": "tokens", "tokens": "params"}  # an axis varies one tag, holding the other


def index_trends(index: pd.DataFrame) -> pd.DataFrame:
    """Spearman correlation of the elasticity index with model size (bases of equal
    pre-training tokens) and with pre-training tokens (bases of equal size), per run family
    and aligning volume, and over the mean of the volumes (`aligned` = 0); one-sided p-value
    (H1: the index grows along the axis, as the paper reports)."""
    if index.empty:
        return pd.DataFrame()
    pooled = (
        index.groupby([*RUN[:-1], "params", "tokens"], dropna=False, as_index=False)
        .elasticity_index.mean()
        .assign(aligned=0)
    )
    rows = []
    for axis, held in AXES.items():
        frame = pd.concat([index, pooled], ignore_index=True).dropna(subset=[axis])
        family = [*RUN[1:], held]  # every base along the axis, the rest of the run fixed
        for key, group in frame.groupby(family, dropna=False, sort=True):
            if group[axis].nunique() < 3:
                continue
            rho, p = spearman_one_sided(group[axis], group.elasticity_index)
            rows.append(
                {
                    "axis": axis,
                    **dict(zip([*RUN[1:], f"at_{held}"], key, strict=True)),
                    "bases": ", ".join(group.sort_values(axis).base),
                    "spearman_rho": rho,
                    "p_one_sided": p,
                }
            )
    return pd.DataFrame(rows)


def fit_exponent(
    k: np.ndarray, ratio: np.ndarray, clusters=None, resamples: int = 2000, seed: int = 0
) -> dict[str, float]:
    """Least-squares slope of log|ratio| on log k (the theory: |delta_a / delta_p| ~ k^1, since
    a dataset's change of compression rate goes as 1 / its size), with a 95% CI from a cluster
    bootstrap: runs of one base share that base, so whole bases are resampled (every run is
    its own cluster when `clusters` is None)."""
    k, ratio = np.asarray(k, float), np.asarray(ratio, float)
    clusters = np.arange(len(k)) if clusters is None else np.asarray(clusters)
    keep = np.isfinite(k) & np.isfinite(ratio) & (k > 0) & (ratio != 0)
    x, y, groups = np.log(k[keep]), np.log(np.abs(ratio[keep])), clusters[keep]
    figures = {
        "runs": float(keep.sum()),
        "clusters": float(len(set(groups))),
        "opposite_signs": float((ratio[keep] < 0).mean()),
    }
    if keep.sum() < 3 or np.ptp(x) == 0:
        return {**figures, "exponent": math.nan, "ci_low": math.nan, "ci_high": math.nan}
    exponent = float(np.polyfit(x, y, 1)[0])
    members = [np.flatnonzero(groups == g) for g in sorted(set(groups))]
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(resamples):
        pick = np.concatenate([members[i] for i in rng.integers(0, len(members), len(members))])
        if np.ptp(x[pick]) > 0:
            draws.append(np.polyfit(x[pick], y[pick], 1)[0])
    low, high = np.percentile(draws, [2.5, 97.5])
    return {**figures, "exponent": exponent, "ci_low": float(low), "ci_high": float(high)}


def hooke_fit(check: pd.DataFrame) -> pd.DataFrame:
    """The fitted exponent of the Hooke's-law check per perturbation algorithm and direction,
    over every base and aligning volume (theory: exponent 1, opposite signs)."""
    rows = []
    for key, runs in check.groupby(["direction", "algorithm"], sort=True):
        rows.append(
            {
                "direction": key[0],
                "algorithm": key[1],
                **fit_exponent(runs.k.to_numpy(), runs.ratio.to_numpy(), runs.base.to_numpy()),
                "theory": 1.0,
            }
        )
    return pd.DataFrame(rows)


def rebound_tables(con, params: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """Every Setting II and III table from the `metrics` view of `con`."""
    curves = run_sql(con, "rebound_curves")
    compression = run_sql(con, "rebound_compression")
    con.register("compression", compression)
    slope_table = slopes(curves, params["early_examples"])
    axes = run_sql(con, "rebound_axes")
    index = elasticity(slope_table, axes)
    check = run_sql(con, "hooke_check")
    return {
        "rebound_curves": curves,
        "rebound_margin": run_sql(con, "rebound_margin"),
        "rebound_rest": run_sql(con, "rebound_rest"),
        "rebound_reference": run_sql(con, "rebound_reference"),
        "rebound_table3": table3(curves, params["epsilon"]),
        "rebound_slopes": slope_table,
        "rebound_rank_tests": rank_tests(slope_table),
        "rebound_compression": compression,
        "hooke_check": check,
        "hooke_fit": hooke_fit(check),
        "rebound_axes": axes,
        "elasticity": index,
        "elasticity_trends": index_trends(index),
    }
