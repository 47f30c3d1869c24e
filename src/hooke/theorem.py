"""The compression theorem checked exactly on the paper's own model of data (rule
check_theorem), with no neural network: a token tree pruned at depth d (b^d nodes, each a
prefix class of responses), leaf masses Pareto-distributed, and three data sets placed on it —
D_p spread over every node with the Pareto masses, D_a and D_t drawn like subsets of the
pre-training distribution (the Pareto masses restricted to two disjoint random sets of nodes:
disjoint responses that share the tree's prefixes with D_p). The compressor is the optimal
code of their mixture, weighted by the sets' sizes, as D_t's share l grows:

    q_l = (1 - l) (k p_p + p_a) / (k + 1) + l p_t,     k = |D_p| / |D_a|.

Each set's normalised compression rate is its expected code length under q_l's code minus
log2 M (M nodes): with ideal code lengths (-log2 q_l, the entropy bound) and with the exact
Huffman code of q_l. The theorem: as l grows, the rate on D_a worsens, on D_p improves, and
dR_a/dl is Theta(k) times dR_p/dl.

Under the entropy bound the derivatives at l = 0 are exact and obey an identity: the mixture's
own rate is stationary in q (the cross-entropy of q0 against itself is minimal), so
k dR_p/dl + dR_a/dl = 0 — the ratio is exactly -k whatever the masses, the depth or the
exponent; which set worsens depends only on D_t's overlap with each (`sign` below). Huffman
lengths are integers that change in steps, so their derivative is read over a finite share
and the law holds only where the tree is large enough for the steps to average out: the
sweep says where."""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd


def pareto_masses(nodes: int, alpha: float, rng) -> np.ndarray:
    """Masses of `nodes` leaves ∝ rank^-alpha (a Pareto / Zipf law), in a random order."""
    masses = np.arange(1, nodes + 1, dtype=float) ** -alpha
    return rng.permutation(masses / masses.sum())


def data_sets(depth: int, branching: int, alpha: float, share: float, seed: int):
    """(p_p, p_a, p_t) over the b^d nodes: D_p on every node with the Pareto masses; D_a and
    D_t on two disjoint random sets of `share` of the nodes each, with the pre-training
    masses restricted to them (subsets drawn like the pre-training distribution)."""
    rng = np.random.default_rng(seed)
    nodes = branching**depth
    p = pareto_masses(nodes, alpha, rng)
    order = rng.permutation(nodes)
    size = max(1, int(round(share * nodes)))
    sets = []
    for chosen in (order[:size], order[size : 2 * size]):
        mass = np.zeros(nodes)
        mass[chosen] = p[chosen]
        sets.append(mass / mass.sum())
    return p, sets[0], sets[1]


def mixture(p_p, p_a, p_t, k: float, share: float) -> np.ndarray:
    """q_l: the sets' mixture weighted by their sizes, D_t at share l."""
    return (1 - share) * (k * p_p + p_a) / (k + 1) + share * p_t


def huffman_lengths(q: np.ndarray) -> np.ndarray:
    """The code lengths of an optimal prefix code (Huffman) of the masses q: merge the two
    lightest nodes until one is left, then each leaf's length is its depth in that tree; 0
    for a mass of 0 (a node no set holds gets no codeword)."""
    live = [i for i, m in enumerate(q) if m > 0]
    lengths = np.zeros(len(q), dtype=np.int64)
    if len(live) == 1:
        lengths[live[0]] = 1
        return lengths
    heap = [(float(q[i]), i) for i in live]
    heapq.heapify(heap)
    parent: dict[int, int] = {}
    node = len(q)
    while len(heap) > 1:
        m1, a = heapq.heappop(heap)
        m2, b = heapq.heappop(heap)
        parent[a] = parent[b] = node
        heapq.heappush(heap, (m1 + m2, node))
        node += 1
    depth = {node - 1: 0}  # the root; parents are numbered after their children
    for child in sorted(parent, reverse=True):
        depth[child] = depth[parent[child]] + 1
    for i in live:
        lengths[i] = depth[i]
    return lengths


def rates(p_sets: Sequence[np.ndarray], q: np.ndarray, code: str) -> list[float]:
    """Each set's normalised compression rate (bits per response minus log2 M) under the
    code of q: ideal lengths (`entropy`) or Huffman's (`huffman`)."""
    log_m = math.log2(len(q))
    if code == "entropy":
        lengths = -np.log2(np.where(q > 0, q, 1.0))
    else:
        lengths = huffman_lengths(q).astype(float)
    return [float(p @ lengths) - log_m for p in p_sets]


def entropy_slopes(p_p, p_a, p_t, k: float) -> tuple[float, float]:
    """(dR_a/dl, dR_p/dl) at l = 0 under ideal code lengths, exactly, in bits:
    dR_i/dl = (1 - sum_n p_i(n) p_t(n) / q0(n)) / ln 2."""
    q0 = mixture(p_p, p_a, p_t, k, 0.0)
    ratio = np.where(q0 > 0, p_t / np.where(q0 > 0, q0, 1.0), 0.0)
    return tuple(float((1 - p @ ratio) / math.log(2)) for p in (p_a, p_p))


def check_theorem(settings: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """The sweep's cells and its law fit per code, depth and exponent (the rule's tables)."""
    cells = sweep(settings)
    return {"theorem": cells, "theorem_fit": law_fit(cells, settings["branching"])}


def sweep(settings: Mapping[str, Any]) -> pd.DataFrame:
    """Every (depth, exponent, k, seed) of `settings`: the slopes of R_a and R_p in l under
    both codes (entropy: exact at 0; Huffman: over the finite share `step`), their ratio and
    whether their signs are the theorem's."""
    rows = []
    for depth in settings["depths"]:
        for alpha in settings["alphas"]:
            for seed in settings["seeds"]:
                p_p, p_a, p_t = data_sets(
                    depth, settings["branching"], alpha, settings["subset"], seed
                )
                for k in settings["ks"]:
                    rows += _cells(p_p, p_a, p_t, float(k), settings["step"])
                    for row in rows[-2:]:
                        row.update(depth=depth, alpha=alpha, seed=seed, k=float(k))
    return pd.DataFrame(rows)


def _cells(p_p, p_a, p_t, k: float, step: float) -> list[dict[str, Any]]:
    d_a, d_p = entropy_slopes(p_p, p_a, p_t, k)
    out = [{"code": "entropy", "d_aligned": d_a, "d_pretrain": d_p}]
    sets = (p_a, p_p)
    before = rates(sets, mixture(p_p, p_a, p_t, k, 0.0), "huffman")
    after = rates(sets, mixture(p_p, p_a, p_t, k, step), "huffman")
    out.append(
        {
            "code": "huffman",
            "d_aligned": (after[0] - before[0]) / step,
            "d_pretrain": (after[1] - before[1]) / step,
        }
    )
    for row in out:
        a, p = row["d_aligned"], row["d_pretrain"]
        row["ratio"] = a / p if p else math.nan
        row["theorem_signs"] = bool(a > 0 > p)  # D_a worsens, D_p improves
        row["opposite_signs"] = bool(a * p < 0)
    return out


def law_fit(table: pd.DataFrame, branching: int = 2) -> pd.DataFrame:
    """Per code, depth and exponent: the log-log slope of |dR_a/dR_p| on k across the sweep's
    k (theory: 1), its deviation from 1, and the share of cells with opposite signs and with
    the theorem's signs."""
    rows = []
    for (code, depth, alpha), cells in table.groupby(["code", "depth", "alpha"], sort=True):
        usable = cells[np.isfinite(cells.ratio) & (cells.ratio != 0)]
        slope = math.nan
        if usable.k.nunique() >= 2:
            slope = float(np.polyfit(np.log(usable.k), np.log(np.abs(usable.ratio)), 1)[0])
        rows.append(
            {
                "code": code,
                "depth": depth,
                "alpha": alpha,
                "nodes": branching**depth,
                "slope": slope,
                "deviation": slope - 1 if math.isfinite(slope) else math.nan,
                "opposite_signs": float(cells.opposite_signs.mean()),
                "theorem_signs": float(cells.theorem_signs.mean()),
                "cells": len(cells),
            }
        )
    return pd.DataFrame(rows)


PREDICTED = [
    *("measured_ratio", "measured_signs", "code", "alpha", "nodes"),
    *("predicted_ratio", "predicted_signs"),
]


def at_runs(runs: pd.DataFrame, settings: Mapping[str, Any]) -> pd.DataFrame:
    """What the exact model predicts at each Setting II run's own k = |D_p| / |D_a| (the
    base's pre-training tokens over the aligning tokens; for a real model, its model card's
    count), beside what the run measured: the change of bits per byte on held-out D_a and D_p
    over the perturbation and their ratio. The prediction is read on the sweep's deepest
    tree, per exponent and code, from its first seed; `signs`: D_a worse, D_p better.
    `runs`: one row per run with its keys, k, delta_aligned and delta_pretrain."""
    rows = []
    depth, seed = max(settings["depths"]), settings["seeds"][0]
    for alpha in settings["alphas"]:
        sets = data_sets(depth, settings["branching"], alpha, settings["subset"], seed)
        for run in runs.dropna(subset=["k"]).itertuples(index=False):
            a, p = run.delta_aligned, run.delta_pretrain
            measured = {
                **run._asdict(),
                "measured_ratio": a / p if p else math.nan,
                "measured_signs": bool(a > 0 > p),
            }
            for cell in _cells(*sets, float(run.k), settings["step"]):
                rows.append(
                    {
                        **measured,
                        "code": cell["code"],
                        "alpha": alpha,
                        "nodes": settings["branching"] ** depth,
                        "predicted_ratio": cell["ratio"],
                        "predicted_signs": cell["theorem_signs"],
                    }
                )
    return pd.DataFrame(rows, columns=[*runs.columns, *PREDICTED])
