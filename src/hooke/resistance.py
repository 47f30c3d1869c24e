"""Setting I summaries: per-seed and per-cell tables (SQL), CIs of the paired gaps under the
crossed seeds x prompts design, sign counts with binomial p-values, and the paper's Table 1."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from hooke.aggregate import run_sql
from hooke.errors import HookeError
from hooke.stats import crossed_mean, sign_test

CELL = ["base", "task", "slice_k", "slice_l"]
# Paired per-prompt gaps (forward - inverse): on the held-back responses (primary) and on the
# training responses (in-sample).
HELDOUT_GAPS = ["gap_kl_end", "gap_heldout_excess_end"]
TRAIN_GAPS = ["gap_nll_end", "gap_excess_end", "gap_reduction"]


def seeds_by_prompts(gaps: pd.DataFrame, gap: str) -> np.ndarray:
    """A seeds x prompts table of one gap, keeping the prompts every seed has (every seed
    answers the same prompts: the two factors are crossed)."""
    table = gaps.pivot_table(index="seed", columns="prompt_index", values=gap)
    return table.dropna(axis=1).to_numpy()


def with_crossed_cis(cells: pd.DataFrame, gaps: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Add, for each paired per-prompt gap, its mean and 95% CI under the crossed seeds x
    prompts model (hooke.stats.crossed_mean)."""
    cells = cells.copy()
    for gap in names:
        rows = []
        for _, cell in cells.iterrows():
            mine = gaps[(gaps[CELL] == cell[CELL]).all(axis=1)]
            table = seeds_by_prompts(mine, gap) if len(mine) else np.empty((0, 0))
            if table.size == 0:
                rows.append((np.nan, np.nan, np.nan))
                continue
            stats = crossed_mean(table).summary()
            rows.append((stats["estimate"], stats["ci_low"], stats["ci_high"]))
        cells[gap], cells[f"{gap}_lo"], cells[f"{gap}_hi"] = zip(*rows, strict=True)
    return cells


def check_equal_paths(per_seed: pd.DataFrame) -> None:
    """Both paths of every (seed, pair) trained the same optimizer steps on the same tokens:
    otherwise their losses are not comparable, and the run says which cell differs."""
    for r in per_seed.itertuples():
        if r.forward_steps != r.inverse_steps or r.forward_tokens != r.inverse_tokens:
            raise HookeError(
                f"Setting I cell {r.base}/{r.task} seed {r.seed} pair {r.slice_k}-{r.slice_l}: "
                f"forward {r.forward_steps} steps / {r.forward_tokens} tokens, inverse "
                f"{r.inverse_steps} / {r.inverse_tokens}; set resistance.inverse.steps"
            )


def resistance_tables(con, params: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """Every Setting I table, built from the `metrics` and `examples` views of `con`."""
    per_seed = run_sql(con, "resistance", params)
    check_equal_paths(per_seed)
    con.register("resistance", per_seed)
    cells = run_sql(con, "resistance_cells")
    cells = with_crossed_cis(cells, run_sql(con, "resistance_heldout_gaps"), HELDOUT_GAPS)
    cells = with_crossed_cis(cells, run_sql(con, "resistance_example_gaps"), TRAIN_GAPS)
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
    'inverse vs forward' final loss, with the held-back KL gap and its CI beneath."""
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
                f"(KL gap {r.gap_kl_end:+.4f} [{r.gap_kl_end_lo:+.4f}, "
                f"{r.gap_kl_end_hi:+.4f}])"
            )
        lines.append("| " + " | ".join(out) + " |")
    lines.append("")
    lines.append(
        "Each cell: final training loss of the inverse path (θl trained on D_k) vs the "
        "forward path (θk trained on D_l), mean over seeds; the paper's claim holds "
        "where the first number is the lower. In brackets: the forward − inverse gap "
        "of the exact KL(target slice ‖ trainee) on held-back responses after training "
        "(the primary measure), with its 95% CI under the crossed seeds × prompts design."
    )
    return "\n".join(lines) + "\n"
