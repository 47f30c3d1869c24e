"""The DuckDB tables against answers computed by hand on fixed metrics."""

from __future__ import annotations

import pytest

from hooke.aggregate import run_table
from hooke.metrics import metrics_table, write_metrics


def _curve(tmp_path, path, losses, k=1, l=2, seed=0):
    rows = [
        {"step": i + 1, "tokens_seen": 10 * (i + 1), "metric": "train_loss", "value": v}
        for i, v in enumerate(losses)
    ]
    file = tmp_path / f"{path}-{k}-{l}-{seed}.parquet"
    write_metrics(
        metrics_table(
            rows,
            setting="resistance",
            base="b",
            task="t",
            seed=seed,
            slice_k=k,
            slice_l=l,
            path=path,
        ),
        file,
    )
    return file


def test_resistance_table(tmp_path):
    files = [
        _curve(tmp_path, "forward", [5.0, 4.0, 3.0, 2.8, 2.6, 2.4, 2.2, 2.0, 1.9, 1.8]),
        _curve(tmp_path, "inverse", [6.0, 5.0, 4.0, 3.0, 2.0, 1.9, 1.8, 1.7, 1.6, 1.5]),
    ]
    table = run_table(files, "resistance", {"tail": 0.2})
    row = table.iloc[0]
    assert row.forward_final == 1.8 and row.inverse_final == 1.5
    assert row.forward_tail == pytest.approx((1.9 + 1.8) / 2)
    assert row.inverse_tail == pytest.approx((1.6 + 1.5) / 2)
    assert row.gap_final == pytest.approx(0.3) and bool(row.inverse_lower)
    assert row.forward_tokens == 100 and row.forward_steps == 10


def test_resistance_tail_keeps_at_least_one_step(tmp_path):
    files = [_curve(tmp_path, "forward", [3.0, 2.0]), _curve(tmp_path, "inverse", [3.0, 2.5])]
    row = run_table(files, "resistance", {"tail": 0.1}).iloc[0]
    assert row.forward_tail == 2.0 and row.inverse_tail == 2.5 and not bool(row.inverse_lower)


def test_curves_average_over_seeds(tmp_path):
    files = [
        _curve(tmp_path, "forward", [4.0, 2.0], seed=0),
        _curve(tmp_path, "forward", [2.0, 1.0], seed=1),
    ]
    table = run_table(files, "resistance_curves")
    assert table.loss.tolist() == [3.0, 1.5] and table.seeds.tolist() == [2, 2]
    assert table.loss_min.tolist() == [2.0, 1.0] and table.loss_max.tolist() == [4.0, 2.0]


def _examples(tmp_path, path, nll_end, gen_nll, seed=0, kl_end=(0.3, 0.3)):
    """Per-example rows of one path: training examples, and two held-back ones with KL."""
    import pandas as pd

    n = len(nll_end)
    heldout = pd.DataFrame(
        {
            "split": "heldout",
            "prompt_index": range(len(kl_end)),
            "tokens": 10,
            "nll_start": 5.0,
            "nll_end": 3.0,
            "gen_nll": 2.0,
            "kl_start": 1.0,
            "kl_end": list(kl_end),
        }
    )
    frame = pd.DataFrame(
        {
            "split": "train",
            "kl_start": float("nan"),
            "kl_end": float("nan"),
            "prompt_index": range(n),
            "tokens": [10] * n,
            "nll_start": [5.0] * n,
            "nll_end": nll_end,
            "gen_nll": gen_nll,
            "base": "b",
            "task": "t",
            "seed": seed,
            "slice_k": 1,
            "slice_l": 2,
            "path": path,
        }
    )
    keys = {"base": "b", "task": "t", "seed": seed, "slice_k": 1, "slice_l": 2, "path": path}
    frame = pd.concat([frame, heldout.assign(**keys)], ignore_index=True)
    file = tmp_path / f"{path}-{seed}.examples.parquet"
    frame.to_parquet(file)
    return file


def test_resistance_cells_signs_and_table1(tmp_path):
    from hooke.aggregate import connect
    from hooke.resistance import resistance_tables, table1_markdown

    metrics = [_curve(tmp_path, "forward", [3.0, 2.0], seed=s) for s in (0, 1)] + [
        _curve(tmp_path, "inverse", [3.0, 1.5], seed=s) for s in (0, 1)
    ]
    examples = []
    for s in (0, 1):
        examples.append(_examples(tmp_path, "forward", [2.0, 2.2, 2.4], [1.0, 1.0, 1.0], s))
        examples.append(
            _examples(tmp_path, "inverse", [1.8, 2.0, 2.2], [1.5, 1.5, 1.5], s, (0.1, 0.1))
        )
    tables = resistance_tables(connect(metrics, examples), {"tail": 0.5})
    cell = tables["resistance_cells"].iloc[0]
    assert cell.seeds == 2 and cell.forward_final == 2.0 and cell.inverse_final == 1.5
    assert cell.seeds_inverse_lower == 2
    # NLL gap: forward - inverse = 0.2 for every prompt; excess gap 0.2 - (-0.5) = 0.7
    assert (cell.gap_nll_end, cell.gap_nll_end_lo, cell.gap_nll_end_hi) == pytest.approx(
        (0.2, 0.2, 0.2)
    )
    assert cell.gap_excess_end == pytest.approx(0.7)
    # held-back KL gap: 0.3 - 0.1 on both held-back prompts of both seeds, no spread
    assert (cell.gap_kl_end, cell.gap_kl_end_lo, cell.gap_kl_end_hi) == pytest.approx(
        (0.2, 0.2, 0.2)
    )
    assert tables["resistance_signs"].set_index("measure").iloc[0].cells_inverse_better == 1
    signs = tables["resistance_signs"].set_index("measure")
    assert signs.loc["final loss (paper)", "cells_inverse_better"] == 1
    assert signs.loc["final loss (paper)", "p_value"] == pytest.approx(0.5)
    assert "1.5000 vs 2.0000" in table1_markdown(tables["resistance_cells"])


def _rows(tmp_path, name, rows, **common):
    file = tmp_path / f"{name}.parquet"
    write_metrics(metrics_table(rows, **common), file)
    return file


def test_harvest_scores_and_scorer_tables(tmp_path):
    files = [
        _rows(
            tmp_path,
            "s1",
            [
                {"metric": "mean_p_positive", "value": 0.6},
                {"metric": "positive_share", "value": 0.7},
            ],
            setting="resistance",
            base="b",
            task="t",
            seed=0,
            slice_k=1,
        ),
        _rows(
            tmp_path,
            "s2",
            [
                {"metric": "mean_p_positive", "value": 0.4},
                {"metric": "positive_share", "value": 0.3},
                {"metric": "invalid_utf8_share", "value": 0.25},
            ],
            setting="resistance",
            base="b",
            task="t",
            seed=0,
            slice_k=2,
        ),
        _rows(
            tmp_path,
            "sc",
            [
                {"metric": "heldout_accuracy", "value": 0.9},
                {"metric": "heldout_size", "value": 100.0},
                {"metric": "train_size", "value": 400.0},
            ],
            setting="scorer",
            task="t",
        ),
    ]
    scores = run_table(files, "harvest_scores")
    assert scores[["slice", "mean_p_positive", "positive_share"]].values.tolist() == [
        [1, 0.6, 0.7],
        [2, 0.4, 0.3],
    ]
    # the share of broken bytes beside the score (a file from before it was counted: empty)
    assert scores.invalid_utf8_share.isna().tolist() == [True, False]
    assert scores.invalid_utf8_share.iloc[1] == 0.25
    scorer = run_table(files, "scorer").iloc[0]
    assert (scorer.heldout_accuracy, scorer.heldout_size, scorer.train_size) == (0.9, 100, 400)


def test_rebound_curves_and_reference(tmp_path):
    files = []
    for seed, (start, end) in enumerate([(0.6, 0.5), (0.8, 0.3)]):
        rows = [
            {"step": 0, "n_pos": 100, "n_neg": 0, "metric": "mean_p_positive", "value": start},
            {"step": 8, "n_pos": 100, "n_neg": 8, "metric": "mean_p_positive", "value": end},
            {"step": 8, "n_pos": 100, "n_neg": 8, "metric": "response_tokens", "value": 9.0},
        ]
        files.append(
            _rows(
                tmp_path,
                f"r{seed}",
                rows,
                setting="rebound",
                aligner="sft",
                base="b",
                task="t",
                seed=seed,
                algorithm="sft",
                direction="positive_first",
            )
        )
    # the reverse direction: perturbed examples are positives
    files.append(
        _rows(
            tmp_path,
            "rev",
            [{"step": 8, "n_pos": 8, "n_neg": 50, "metric": "kl_to_base", "value": 0.1}],
            setting="rebound",
            aligner="sft",
            base="b",
            task="t",
            seed=0,
            algorithm="dpo",
            direction="negative_first",
        )
    )
    files.append(
        _rows(
            tmp_path,
            "base",
            [
                {"metric": "mean_p_positive", "value": 0.5},
                {"metric": "positive_share", "value": 0.4},
            ],
            setting="rebound_base",
            base="b",
            task="t",
            seed=0,
        )
    )
    curves = run_table(files, "rebound_curves")
    sft = curves[curves.algorithm == "sft"]
    table = sft[["aligned", "perturbed", "value", "value_min", "value_max", "seeds"]]
    assert table.values.flatten().tolist() == pytest.approx(
        [100, 0, 0.7, 0.6, 0.8, 2, 100, 8, 0.4, 0.3, 0.5, 2]
    )
    reverse = curves[curves.direction == "negative_first"].iloc[0]
    assert (reverse.aligned, reverse.perturbed, reverse.metric) == (50, 8, "kl_to_base")
    reference = run_table(files, "rebound_reference").iloc[0]
    assert (reference.mean_p_positive, reference.positive_share) == (0.5, 0.4)


def test_compression_and_hooke_check(tmp_path):
    from hooke.aggregate import connect
    from hooke.rebound_summary import rebound_tables

    # D_a worsens by 0.3 bits/byte over the run, D_p improves by 0.01: ratio -30;
    # k = 1,000,000 pre-training tokens / 2,000 aligning tokens = 500.
    grid = [(0, 2.00, 2.50, 3.0), (8, 2.10, 2.495, 2.9), (16, 2.30, 2.49, 2.8)]
    rows = [
        {"step": 0, "n_pos": 100, "n_neg": 0, "metric": "aligned_tokens", "value": 2000.0},
        {"step": 0, "n_pos": 100, "n_neg": 0, "metric": "pretrain_tokens", "value": 1e6},
    ]
    for x, aligned, pretrain, perturbing in grid:
        for name, value in (
            ("bpb_aligned", aligned),
            ("bpb_pretrain", pretrain),
            ("bpb_perturbing", perturbing),
            ("mean_p_positive", 0.5),
            ("kl_to_base", 0.1),
        ):
            rows.append({"step": x, "n_pos": 100, "n_neg": x, "metric": name, "value": value})
    files = [
        _rows(
            tmp_path,
            "run",
            rows,
            setting="rebound",
            aligner="sft",
            base="b",
            task="t",
            seed=0,
            algorithm="sft",
            direction="positive_first",
        )
    ]
    tables = rebound_tables(connect(files), {"epsilon": 0.01, "early_examples": 8})
    compression = tables["rebound_compression"]
    assert compression.bpb_aligned.tolist() == pytest.approx([2.0, 2.1, 2.3])
    assert compression.bpb_pretrain.tolist() == pytest.approx([2.5, 2.495, 2.49])
    check = tables["hooke_check"].iloc[0]
    assert check.delta_aligned == pytest.approx(0.3)
    assert check.delta_pretrain == pytest.approx(-0.01)
    assert check.ratio == pytest.approx(-30.0)
    assert check.k == pytest.approx(500.0) and check.perturbed == 16


def test_paths_of_unequal_steps_are_refused(tmp_path):
    from hooke.aggregate import connect
    from hooke.errors import HookeError
    from hooke.resistance import resistance_tables

    metrics = [_curve(tmp_path, "forward", [3.0, 2.0]), _curve(tmp_path, "inverse", [3.0])]
    examples = [
        _examples(tmp_path, "forward", [2.0], [1.0]),
        _examples(tmp_path, "inverse", [2.0], [1.0]),
    ]
    with pytest.raises(HookeError, match="forward 2 steps / 20 tokens, inverse 1 / 10"):
        resistance_tables(connect(metrics, examples), {"tail": 0.5})


def test_rebound_runs_keep_seeds_apart_and_the_base_margin(tmp_path):
    def run(seed, margins):
        rows = [{"step": 0, "n_pos": 100, "n_neg": 0, "metric": "aligned_tokens", "value": 5e3}]
        for x, m in zip((0, 8), margins, strict=True):
            rows += [
                {"step": x, "n_pos": 100, "n_neg": x, "metric": "margin", "value": m},
                {
                    "step": x,
                    "n_pos": 100,
                    "n_neg": x,
                    "item": 0,
                    "metric": "response_p_positive",
                    "value": 0.9,
                },
            ]
        return _rows(
            tmp_path,
            f"r{seed}",
            rows,
            setting="rebound",
            aligner="sft",
            base="b",
            task="t",
            seed=seed,
            direction="positive_first",
            algorithm="sft",
        )

    base = _rows(
        tmp_path,
        "base",
        [{"metric": "margin_positive", "value": 0.05}],
        setting="rebound_base",
        base="b",
        task="t",
        seed=0,
    )
    files = [run(0, [0.3, 0.2]), run(1, [0.5, 0.4]), base]
    runs = run_table(files, "rebound_runs", {"setting": "rebound"})
    assert runs[["seed", "perturbed", "margin"]].values.tolist() == [
        [0, 0, 0.3],
        [0, 8, 0.2],
        [1, 0, 0.5],
        [1, 8, 0.4],
    ]
    assert runs.aligned.unique().tolist() == [100]
    assert runs.aligned_tokens.tolist()[::2] == [5e3, 5e3]  # sizes sit on the first point
    assert run_table(files, "rebound_base_margin").margin_positive.tolist() == [0.05]
