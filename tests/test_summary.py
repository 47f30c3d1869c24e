"""The terminal summary (hooke.summary): every setting's headline lines (`--full`) from the
tables a run wrote, a table at a time; tables a run did not write are skipped."""

from __future__ import annotations

import pandas as pd

from hooke.summary import summarise


def test_full_summary_has_a_line_per_table_and_row(tmp_path):
    tables = tmp_path / "tables"
    tables.mkdir()
    frames = {
        "resistance": {"seed": [0, 0, 1], "inverse_lower": [True, False, True]},
        "resistance_signs": {
            "measure": ["kl"],
            "cells_inverse_better": [2],
            "cells": [3],
            "p_value": [0.5],
        },
        "rebound_reference": {"base": ["b"], "task": ["imdb"], "mean_p_positive": [0.4567]},
        "rebound_table3": {"reached": [True, False, False]},
        "elasticity": {
            "base": ["b", "b", "c"],
            "algorithm": ["sft"] * 3,
            "params": [1e6, 1e6, 2e6],
            "tokens": [8e6] * 3,
            "elasticity_index": [0.1, 0.3, -0.2],
        },
        "hooke_fit": {
            "algorithm": ["sft"],
            "exponent": [0.9],
            "ci_low": [0.5],
            "ci_high": [1.3],
            "runs": [4.0],
            "opposite_signs": [0.75],
        },
    }
    for name, columns in frames.items():
        pd.DataFrame(columns).to_csv(tables / f"{name}.csv", index=False)
    (tables / "elasticity_trends.csv").write_text("\n")  # an empty table: no line, no error
    lines = summarise(tmp_path, full=True).splitlines()
    assert lines[1:8] == [
        "Setting I (resistance): inverse final loss below forward in 2 of 3 (seed, pair) runs",
        "  kl: inverse better in 2 of 3 cells (sign test p = 0.5)",
        "Setting II (rebound): base b on imdb scores 0.457 mean P(positive)",
        "  Table 3: KL to base under epsilon reached in 1 of 3 runs",
        "Setting III: b (1,000,000 params, 8,000,000 tokens) sft elasticity index +0.2000 "
        "(mean of 2 volumes)",
        "Setting III: c (2,000,000 params, 8,000,000 tokens) sft elasticity index -0.2000 "
        "(mean of 1 volumes)",
        "  Hooke's law, sft: exponent 0.90 [0.50, 1.30] over 4 runs (theory 1), opposite "
        "signs in 75%",
    ]
    assert "Setting I" not in summarise(tmp_path)  # the short summary leaves them out
