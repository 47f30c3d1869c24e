"""What rule judge_hypotheses computes: the verdicts (hooke.verdicts) on a run's readouts,
the apparatus check that vouches for them (hooke.apparatus), the curve fits, and the exact
model's prediction at each run's k (hooke.theorem). Apart from hooke.verdicts so that the
apparatus, which judges its controls with the verdicts' own rules, imports them without a
circle."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from hooke.aggregate import run_sql
from hooke.apparatus import apparatus as check
from hooke.curves import fit_curves
from hooke.effects import RUN
from hooke.metrics import REBOUND_CONTROL
from hooke.stages import BOUNDARIES
from hooke.theorem import at_runs
from hooke.verdicts import hooke_runs, margin_runs, verdict_table


def judge(con, params: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """The verdict table, the runs' stages and fits, the boundary sensitivity and the
    compression law's synthetic runs from the `metrics` and `examples` views of `con`
    (Setting II parts only where the config has them: `params["rebound"]`), and what the
    exact model of data predicts at each run's k (`params["theorem"]`: the config's
    theorem section)."""
    closure, law = run_sql(con, "resistance_closure"), run_sql(con, "compression_law")
    runs, axes, fits, controls, scores = (pd.DataFrame() for _ in range(5))
    if params["rebound"]:
        scores = run_sql(con, "rebound_reference")
        runs = margin_runs(con).assign(value=lambda f: f.margin)
        controls = margin_runs(con, REBOUND_CONTROL).assign(value=lambda f: f.margin)
        axes = run_sql(con, "rebound_axes")
        fits = fit_curves(runs, RUN, params.get("seed", 0))
    if len(runs):  # the hypotheses are about the first aligner (the reference method)
        first = params.get("aligner", "sft")
        runs, fits = runs[runs.aligner == first], fits[fits.aligner == first]
    tables = verdict_table(closure, runs, axes, params, controls, law, fits, scores)
    apparatus = pd.DataFrame()
    if params["rebound"]:
        apparatus, lr = check(con, tables["verdicts"], params)
        if len(lr):
            lr = lr.assign(boundary=BOUNDARIES[0]).drop(columns="verdict_1x")
            table = pd.concat([tables["verdict_sensitivity"], lr], ignore_index=True)
            tables["verdict_sensitivity"] = table
    theorem = pd.DataFrame()
    if len(runs) and params.get("theorem"):
        theorem = at_runs(hooke_runs(runs), params["theorem"])
    return {
        **tables,
        "apparatus": apparatus,
        "rebound_fits": fits,
        "compression_law": law,
        "theorem_runs": theorem,
    }
