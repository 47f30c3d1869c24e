"""The compression law's neural testbed: its languages, its optimum-to-optimum runs, and
H6c / H6d's judgement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hooke.compression_law import (
    SETS,
    bigrams,
    data_sets,
    fit_compression_law,
    markov_chain,
    sample,
    slope_at_zero,
    weights,
)
from hooke.hypotheses import equivalence
from hooke.verdicts import Judge, h6c

SPEC = {
    "ks": [10, 1000],
    "vocab": 12,
    "hidden": 3,
    "length": 16,
    "zipf": 1.1,
    "sequences": {"pretrain": 64, "aligned": 16, "perturbing": 16},
    "shift": {"aligned": 0.5, "perturbing": 0.0},
    "shares": [0.05, 0.1, 0.2],
    "iterations": 1000,
    "tolerance": 1e-8,
}


def test_every_row_of_a_chain_is_the_zipf_law_permuted():
    chain = markov_chain(8, 1.0, np.random.default_rng(0))
    law = np.arange(1, 9) ** -1.0 / (np.arange(1, 9) ** -1.0).sum()
    assert np.allclose(chain.sum(axis=1), 1)
    assert all(np.allclose(np.sort(row), np.sort(law)) for row in chain)
    assert len({tuple(np.argsort(row)) for row in chain}) > 1  # rows permuted differently


def test_walks_follow_their_chain():
    rng = np.random.default_rng(1)
    chain = markov_chain(4, 1.5, rng)
    table = bigrams(sample(chain, 4000, 12, rng), 4)
    assert table.sum() == pytest.approx(1)
    assert np.allclose(table / table.sum(axis=1, keepdims=True), chain, atol=0.02)


def test_sets_share_one_vocabulary_and_are_fixed_by_the_seed():
    sets = data_sets(SPEC, 0)
    assert set(sets) == set(SETS) and all(t.shape == (12, 12) for t in sets.values())
    again, other = data_sets(SPEC, 0), data_sets(SPEC, 1)
    assert all((sets[n] == again[n]).all() for n in SETS)
    assert not (sets["aligned"] == other["aligned"]).all()
    # shift 0 draws D_t from D_p's language: its rows are closer to D_p's than D_a's are
    rows = {n: t / t.sum(axis=1, keepdims=True) for n, t in sets.items()}
    gap = {n: np.abs(rows[n] - rows["pretrain"]).sum() for n in ("aligned", "perturbing")}
    assert gap["perturbing"] < gap["aligned"]


def test_the_mixture_weighs_the_sets_by_their_sizes():
    w = weights(100, 0.01)
    assert sum(w.values()) == pytest.approx(1)
    assert w["pretrain"] / w["aligned"] == pytest.approx(100) and w["perturbing"] == 0.01
    shares = np.array([0.01, 0.02, 0.04])
    assert slope_at_zero(shares, 3 * shares - 7 * shares**2) == pytest.approx(3)


def test_a_seed_measures_hookes_law_at_the_mixtures_optimum(tmp_path):
    """The network at the optimum of the k-weighted mixture: dR_a/dR_p is -k to within 2%
    at k = 10 and 1,000 (first order of a stationary point), the changes of opposite
    signs, every fit at a gradient norm far below the changes it reads."""
    from hooke.metrics import read_metrics

    out = tmp_path / "seed-0.parquet"
    fit_compression_law(SPEC, 0, out, {"setting": "compression_law", "seed": 0})
    rows = read_metrics(out).to_pandas()
    assert set(rows.base) == {"k-10", "k-1000"}
    first = rows[rows.step == 0].pivot(index="base", columns="metric", values="value")
    assert (first.k == [10, 1000]).all()
    ratio = first.d_aligned / first.d_pretrain
    assert ratio.to_numpy() == pytest.approx([-10, -1000], rel=0.02)
    assert (rows[rows.metric == "grad_norm"].value < 1e-6).all()
    assert set(rows[rows.metric == "bits_aligned"].step) == {0, 1, 2, 3}
    shares = rows[(rows.metric == "share") & (rows.base == "k-10")].sort_values("step")
    assert shares.value.to_numpy() == pytest.approx([0, 0.05 / 11, 0.1 / 11, 0.2 / 11])


def test_equivalence_labels_a_claimed_value():
    assert equivalence(0.9, 1.1, 1.0, 0.25) == "supported"
    assert equivalence(0.5, 0.7, 1.0, 0.25) == "opposite"
    assert equivalence(1.3, 1.6, 1.0, 0.25) == "opposite"
    assert equivalence(0.6, 1.1, 1.0, 0.25) == "inconclusive"
    assert equivalence(float("nan"), 1.1, 1.0, 0.25) == "inconclusive"


def law_frame(slope: float, seeds: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    return pd.DataFrame(
        [
            {
                "seed": s,
                "k": k,
                "d_pretrain": -0.01,
                "d_aligned": 0.01 * k**slope * np.exp(rng.normal(0, 0.1)),
                "grad_worst": 1e-8,
            }
            for s in range(seeds)
            for k in (10, 100, 1000, 10_000)
        ]
    )


def test_h6c_recovers_the_theorems_slope_and_h6d_its_signs():
    c, d = h6c(Judge(), law_frame(1.0))
    assert c["hypothesis"] == "H6c" and c["verdict"] == "supported"
    assert c["ci_low"] <= 1 <= c["ci_high"]
    assert d["hypothesis"] == "H6d" and d["verdict"] == "supported"
    assert "16 of 16 cells with opposite signs, 16 with the theorem's" in d["note"]
    assert h6c(Judge(), law_frame(1.0).iloc[0:0]) == []


def test_h6c_rejects_another_law_and_needs_three_seeds():
    c, _ = h6c(Judge(), law_frame(0.5))
    assert c["verdict"] == "opposite" and c["ci_high"] < 0.75
    assert [r["verdict"] for r in h6c(Judge(), law_frame(1.0, seeds=2))] == [
        "not testable here (needs the compression law's testbed (compression_law.seeds, "
        ">= 3 seeds) for H6c, H6d)"
    ] * 2
