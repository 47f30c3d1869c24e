"""Setting II summaries from the curves table: Table 3 (KL to the base after alignment, and
the perturbing examples needed to bring it under epsilon), the two-stage slopes of each
curve, and the rank test of "more alignment data, steeper early drop"."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from hooke.aggregate import run_sql
from hooke.rebound import crossing
from hooke.stats import spearman_one_sided

RUN = ["base", "task", "direction", "algorithm", "aligned"]
SCORE = "mean_p_positive"


def table3(curves: pd.DataFrame, epsilon: float) -> pd.DataFrame:
    """Per run: KL to the base after alignment (grid point 0) and the perturbing examples at
    which it first falls under epsilon (interpolated; NaN = not reached on the grid)."""
    rows = []
    kl = curves[curves.metric == "kl_to_base"]
    for key, run in kl.groupby(RUN, sort=True):
        points = list(zip(run.perturbed, run.value, strict=True))
        rows.append(
            {
                **dict(zip(RUN, key, strict=True)),
                "kl_after_alignment": float(run[run.perturbed == 0].value.iloc[0]),
                "kl_at_end": float(run.sort_values("perturbed").value.iloc[-1]),
                "epsilon": epsilon,
                "examples_to_epsilon": crossing(points, epsilon),
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
    for key, run in score.groupby(RUN, sort=True):
        run = run.sort_values("perturbed")
        x, y = run.perturbed.to_numpy(float), run.value.to_numpy(float)
        early, late = _slope(x, y, x <= early_examples), _slope(x, y, x >= early_examples)
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


def _slope(x: np.ndarray, y: np.ndarray, mask: np.ndarray) -> float:
    return float(np.polyfit(x[mask], y[mask], 1)[0]) if mask.sum() >= 2 else math.nan


def rank_tests(slope_table: pd.DataFrame) -> pd.DataFrame:
    """Spearman correlation of the aligning volume with the early drop, per run family, and
    its one-sided p-value (exact for few volumes)."""
    rows = []
    for key, family in slope_table.groupby(RUN[:-1], sort=True):
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


def rebound_tables(con, params: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """Every Setting II table from the `metrics` view of `con`."""
    curves = run_sql(con, "rebound_curves")
    compression = run_sql(con, "rebound_compression")
    con.register("compression", compression)
    slope_table = slopes(curves, params["early_examples"])
    return {
        "rebound_curves": curves,
        "rebound_reference": run_sql(con, "rebound_reference"),
        "rebound_table3": table3(curves, params["epsilon"]),
        "rebound_slopes": slope_table,
        "rebound_rank_tests": rank_tests(slope_table),
        "rebound_compression": compression,
        "hooke_check": run_sql(con, "hooke_check"),
    }
