"""The exact check of the compression theorem (hooke.theorem) on trees small enough to
compute by hand: Huffman's lengths, the entropy bound's identity k dR_p + dR_a = 0, the
theorem's signs where D_a and D_t are disjoint, and the sweep's fit of the slope on k."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hooke import theorem


def test_huffman_lengths_on_hand_trees():
    assert theorem.huffman_lengths(np.array([0.5, 0.25, 0.125, 0.125])).tolist() == [1, 2, 3, 3]
    assert theorem.huffman_lengths(np.array([0.4, 0.0, 0.6])).tolist() == [1, 0, 1]
    q = np.random.default_rng(0).random(300)
    lengths = theorem.huffman_lengths(q / q.sum())
    assert (2.0**-lengths).sum() == pytest.approx(1.0)  # a complete prefix code (Kraft)
    entropy = -(q / q.sum() * np.log2(q / q.sum())).sum()
    assert entropy <= (q / q.sum()) @ lengths < entropy + 1  # Huffman's bounds


def test_on_four_nodes_the_rates_move_as_computed_by_hand():
    """D_p: masses (0.4, 0.3, 0.2, 0.1); D_a on node 0, D_t on node 3 (disjoint), k = 3:
    q0 = (3 p_p + p_a) / 4; by hand dR_a/dl = 1/ln 2 (D_a loses a share l of its mass) and
    dR_p/dl = (1 - 0.1 / q0[3]) / ln 2 with q0[3] = 0.075: -1/3 of that, the ratio -k."""
    p_p = np.array([0.4, 0.3, 0.2, 0.1])
    p_a, p_t = np.array([1.0, 0, 0, 0]), np.array([0, 0, 0, 1.0])
    d_a, d_p = theorem.entropy_slopes(p_p, p_a, p_t, 3.0)
    assert d_a == pytest.approx(1 / math.log(2))
    assert d_p == pytest.approx((1 - 0.1 / 0.075) / math.log(2)) and d_a / d_p == pytest.approx(-3)
    # the same by finite differences of the rates themselves
    sets = (p_a, p_p)
    low, high = (
        theorem.rates(sets, theorem.mixture(p_p, p_a, p_t, 3.0, s), "entropy") for s in (0, 1e-6)
    )
    assert (high[0] - low[0]) / 1e-6 == pytest.approx(d_a, rel=1e-4)
    assert (high[1] - low[1]) / 1e-6 == pytest.approx(d_p, rel=1e-4)


def test_the_entropy_bound_gives_minus_k_for_any_masses():
    """k dR_p/dl + dR_a/dl = 0 exactly, overlapping sets included: the mixture's rate is
    stationary at its own code."""
    rng = np.random.default_rng(3)
    for k in (2.0, 50.0, 1e5):
        p_p, p_a, p_t = (v / v.sum() for v in rng.random((3, 64)))
        d_a, d_p = theorem.entropy_slopes(p_p, p_a, p_t, k)
        assert k * d_p + d_a == pytest.approx(0.0, abs=1e-9)


def test_the_sweep_finds_the_law_under_the_entropy_bound_and_where_huffman_breaks_it():
    settings = {
        "depths": [4, 8],
        "branching": 2,
        "alphas": [1.1],
        "seeds": [0],
        "subset": 0.1,
        "ks": [10, 100, 1000, 10000],
        "step": 0.01,
    }
    tables = theorem.check_theorem(settings)
    fit = tables["theorem_fit"].set_index(["code", "depth"])
    for depth in (4, 8):
        row = fit.loc[("entropy", depth)]
        assert row.slope == pytest.approx(1.0, abs=1e-9) and row.theorem_signs == 1.0
        assert row.nodes == 2**depth
    cells = tables["theorem"]
    assert set(cells.code) == {"entropy", "huffman"} and len(cells) == 2 * 2 * 4
    # Huffman's integer lengths move in steps: on 16 nodes a 1% share of D_t moves no
    # codeword at all, on 256 the theorem's signs hold in a minority of cells at most
    tiny = cells[(cells.code == "huffman") & (cells.depth == 4)]
    assert (tiny.d_aligned == 0).all() and (tiny.d_pretrain == 0).all()
    assert fit.loc[("huffman", 8)].theorem_signs < 0.5


def test_at_runs_puts_the_exact_prediction_beside_each_runs_measurement():
    """A real model's k (2T pre-training tokens over a few thousand aligning tokens) is far
    beyond the sweep's; the entropy bound still predicts exactly -k there, and the measured
    ratio and signs are the run's own."""
    runs = pd.DataFrame(
        {
            "base": ["real", "real"],
            "seed": [10, 11],
            "k": [2e12 / 3072, 2e12 / 3072],
            "delta_aligned": [0.02, -0.01],
            "delta_pretrain": [-0.01, 0.0],
        }
    )
    settings = {
        "depths": [4, 6],
        "alphas": [1.1],
        "seeds": [0],
        "branching": 2,
        "subset": 0.1,
        "step": 0.01,
    }
    table = theorem.at_runs(runs, settings)
    assert len(table) == 4 and set(table.code) == {"entropy", "huffman"}
    assert (table.nodes == 64).all()  # the deepest tree
    entropy = table[table.code == "entropy"]
    assert entropy.predicted_ratio.to_numpy() == pytest.approx(-runs.k.to_numpy(), rel=1e-6)
    assert table.groupby("seed").measured_ratio.first().iloc[0] == pytest.approx(-2.0)
    assert math.isnan(table[table.seed == 11].measured_ratio.iloc[0])  # no change on D_p
    assert table.groupby("seed").measured_signs.first().tolist() == [True, False]
    assert theorem.at_runs(runs.iloc[0:0], settings).empty
