"""Setting I summaries: per-seed and per-cell tables (SQL), bootstrap CIs over seeds and
prompts for the paired gaps, sign counts with binomial p-values, and the paper's Table 1."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from hooke.aggregate import run_sql
from hooke.stats import hierarchical_bootstrap, sign_test

CELL = ["base", "task", "slice_k", "slice_l"]
GAPS = ["gap_nll_end", "gap_excess_end", "gap_reduction"]


def with_bootstrap(cells: pd.DataFrame, gaps: pd.DataFrame, resamples: int, seed: int):
    """Add, for each paired per-prompt gap, its mean and 95% CI (seeds, then prompts)."""
    cells = cells.copy()
    for gap in GAPS:
        estimates = []
        for _, cell in cells.iterrows():
            mine = gaps[(gaps[CELL] == cell[CELL]).all(axis=1)]
            groups = [g[gap].to_numpy() for _, g in mine.groupby("seed")]
            estimates.append(hierarchical_bootstrap(groups, n_boot=resamples, seed=seed))
        cells[gap], cells[f"{gap}_lo"], cells[f"{gap}_hi"] = zip(*estimates, strict=True)
    return cells


def resistance_tables(con, params: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """Every Setting I table, built from the `metrics` and `examples` views of `con`."""
    per_seed = run_sql(con, "resistance", params)
    con.register("resistance", per_seed)
    gaps = run_sql(con, "resistance_example_gaps")
    cells = with_bootstrap(
        run_sql(con, "resistance_cells"), gaps, params["resamples"], params["seed"]
    )
    con.register("cells", cells)
    signs = run_sql(con, "resistance_signs")
    signs["p_value"] = [
        sign_test(int(s), int(n))
        for s, n in zip(signs["cells_inverse_better"], signs["cells"], strict=True)
    ]
    return {
        "resistance": per_seed,
        "resistance_cells": cells,
        "resistance_signs": signs,
        "resistance_curves": run_sql(con, "resistance_curves"),
    }


def table1_markdown(cells: pd.DataFrame) -> str:
    """The paper's Table 1 shape: a row per (base, task), a column per pair, each cell
    'inverse vs forward' final loss, with the bootstrap CI of the NLL gap beneath."""
    lines = []
    pairs = sorted({(int(k), int(l)) for k, l in zip(cells.slice_k, cells.slice_l, strict=True)})
    head = ["base", "task"] + [f"θ{l}→θ{k} vs θ{k}→θ{l}" for k, l in pairs]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for (base, task), rows in cells.groupby(["base", "task"], sort=True):
        out = [str(base), str(task)]
        for k, l in pairs:
            row = rows[(rows.slice_k == k) & (rows.slice_l == l)]
            if row.empty:
                out.append("")
                continue
            r = row.iloc[0]
            out.append(
                f"{r.inverse_final:.4f} vs {r.forward_final:.4f} "
                f"(NLL gap {r.gap_nll_end:+.4f} [{r.gap_nll_end_lo:+.4f}, "
                f"{r.gap_nll_end_hi:+.4f}])"
            )
        lines.append("| " + " | ".join(out) + " |")
    lines.append("")
    lines.append(
        "Each cell: final training loss of the inverse path (θl trained on D_k) vs the "
        "forward path (θk trained on D_l), mean over seeds; the paper's claim holds "
        "where the first number is the lower. In brackets: the forward − inverse gap "
        "of the NLL of all training responses after training, with its 95% bootstrap "
        "CI over seeds and prompts."
    )
    return "\n".join(lines) + "\n"
