"""The terminal summary printed at the end of `make run`: headline numbers and where to look."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def summarise(results: Path) -> str:
    tables, figures = results / "tables", results / "figures"
    lines = []
    resistance = tables / "resistance.csv"
    if resistance.is_file():
        frame = pd.read_csv(resistance)
        lower = int(frame["inverse_lower"].sum())
        lines.append(
            f"Setting I (resistance): inverse final loss below forward in {lower} of "
            f"{len(frame)} cells"
        )
        for row in frame.itertuples():
            lines.append(
                f"  {row.base} {row.task} seed {row.seed} θ{row.slice_k}/θ{row.slice_l}: "
                f"forward {row.forward_final:.4f}  inverse {row.inverse_final:.4f}  "
                f"gap {row.gap_final:+.4f}"
            )
    scorer = tables / "scorer.csv"
    if scorer.is_file():
        for row in pd.read_csv(scorer).itertuples():
            lines.append(
                f"Scorer for {row.task}: held-out accuracy {row.heldout_accuracy:.3f} "
                f"on {row.heldout_size} reviews"
            )
    lines.append(f"Tables:  {tables}/")
    lines.append(f"Figures: {figures}/")
    return "\n".join(lines)


if __name__ == "__main__":
    print(summarise(Path(sys.argv[1] if len(sys.argv) > 1 else "results")))
