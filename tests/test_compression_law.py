"""The compression law's synthetic testbed: its languages, its runs, and H6c's fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hooke.compression_law import (
    LANGUAGES,
    aligned_count,
    corpora,
    fit_compression_law,
    markov_chain,
    sample,
)
from hooke.verdicts import Judge, h6c

SPEC = {
    "ks": [10, 1000],
    "pretrain_tokens": 4000,
    "perturb_tokens": 800,
    "vocab": 12,
    "length": 16,
    "zipf": 1.1,
    "heldout": 16,
    "batch_size": 16,
    "learning_rate": 0.003,
    "perturb_learning_rate": 0.001,
    "architecture": {
        "hidden_size": 16,
        "intermediate_size": 32,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
    },
}


def test_every_row_of_a_chain_is_the_zipf_law_permuted():
    chain = markov_chain(8, 1.0, np.random.default_rng(0))
    law = np.arange(1, 9) ** -1.0 / (np.arange(1, 9) ** -1.0).sum()
    assert np.allclose(chain.sum(axis=1), 1)
    assert all(np.allclose(np.sort(row), np.sort(law)) for row in chain)
    assert len({tuple(np.argsort(row)) for row in chain}) > 1  # rows permuted differently


def test_walks_follow_their_chain_in_their_own_vocabulary():
    rng = np.random.default_rng(1)
    chain = markov_chain(4, 1.5, rng)
    texts = sample(chain, 4000, 12, tag=1, offset=7, rng=rng)
    assert (texts[:, 0] == 1).all() and texts[:, 1:].min() >= 7 and texts[:, 1:].max() <= 10
    walk = texts[:, 1:] - 7
    counts = np.zeros((4, 4))
    np.add.at(counts, (walk[:, :-1].ravel(), walk[:, 1:].ravel()), 1)
    assert np.allclose(counts / counts.sum(axis=1, keepdims=True), chain, atol=0.02)


def test_corpora_are_disjoint_by_construction_and_fixed_by_the_seed():
    pools = corpora(SPEC, 0)
    ranges = [set(np.unique(pools[name]["train"][:, 1:])) for name in LANGUAGES]
    assert not (ranges[0] & ranges[1]) and not (ranges[1] & ranges[2])
    again = corpora(SPEC, 0)
    assert all((pools[n]["heldout"] == again[n]["heldout"]).all() for n in LANGUAGES)
    assert aligned_count(250, 10) == 25 and aligned_count(250, 10_000) == 1


def test_a_seed_measures_every_k(tmp_path):
    from hooke.metrics import read_metrics

    out = tmp_path / "seed-0.parquet"
    fit_compression_law(SPEC, 0, out, {"setting": "compression_law", "seed": 0})
    rows = read_metrics(out).to_pandas()
    assert set(rows.base) == {"k-10", "k-1000"}
    k = rows[rows.metric == "k"].set_index("base").value
    n = SPEC["pretrain_tokens"] // SPEC["length"]
    assert k["k-10"] == pytest.approx(n / aligned_count(n, 10)) and k["k-1000"] == n
    bits = rows[rows.metric.str.startswith("bits_")]
    assert set(bits.step) == {0, 4} and np.isfinite(bits.value).all()
    # the perturbation teaches D_t: its bits per token fall
    perturbing = bits[bits.metric == "bits_perturbing"].pivot(index="base", columns="step")
    assert (perturbing.value[4] < perturbing.value[0]).all()


def test_h6c_recovers_the_theorems_slope():
    rng = np.random.default_rng(2)
    ks = [10, 100, 1000, 10_000]
    law = pd.DataFrame(
        [
            {
                "seed": s,
                "k": k,
                "delta_pretrain": -0.01,
                "delta_aligned": 0.01 * k * np.exp(rng.normal(0, 0.1)),
            }
            for s in range(4)
            for k in ks
        ]
    )
    [row] = h6c(Judge(), law)
    assert row["hypothesis"] == "H6c" and row["verdict"] == "supported"
    assert row["ci_low"] <= 1 <= row["ci_high"]
    assert "16 of 16 runs with opposite signs" in row["note"]
    assert h6c(Judge(), law.iloc[0:0]) == []
