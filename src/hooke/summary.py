"""The terminal summary printed at the end of `make run`: headline numbers and where to look."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def _resistance(tables: Path) -> list[str]:
    lines = []
    per_seed, cells, signs = (
        tables / f"{name}.csv" for name in ("resistance", "resistance_cells", "resistance_signs")
    )
    if per_seed.is_file():
        frame = pd.read_csv(per_seed)
        lines.append(
            f"Setting I (resistance): inverse final loss below forward in "
            f"{int(frame['inverse_lower'].sum())} of {len(frame)} (seed, pair) runs"
        )
    if cells.is_file():
        for r in pd.read_csv(cells).itertuples():
            lines.append(
                f"  {r.base} {r.task} θ{r.slice_k}/θ{r.slice_l} ({r.seeds} seeds): final loss "
                f"forward {r.forward_final:.4f} inverse {r.inverse_final:.4f}; NLL gap "
                f"{r.gap_nll_end:+.4f} [{r.gap_nll_end_lo:+.4f}, {r.gap_nll_end_hi:+.4f}]; "
                f"excess-loss gap {r.gap_excess_end:+.4f} "
                f"[{r.gap_excess_end_lo:+.4f}, {r.gap_excess_end_hi:+.4f}]"
            )
    if signs.is_file():
        for r in pd.read_csv(signs).itertuples():
            lines.append(
                f"  {r.measure}: inverse better in {r.cells_inverse_better} of "
                f"{r.cells} cells (sign test p = {r.p_value:.3g})"
            )
    return lines


def summarise(results: Path) -> str:
    tables, figures = results / "tables", results / "figures"
    lines = _resistance(tables)
    scorer = tables / "scorer.csv"
    if scorer.is_file():
        for row in pd.read_csv(scorer).itertuples():
            lines.append(
                f"Scorer for {row.task}: held-out accuracy {row.heldout_accuracy:.3f} "
                f"on {row.heldout_size} reviews"
            )
    lines.append(f"Tables:  {tables}/")
    lines.append(f"Figures: {figures}/")
    if (results / "report.html").is_file():
        lines.append(f"Report:  {results / 'report.html'}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(summarise(Path(sys.argv[1] if len(sys.argv) > 1 else "results")))
