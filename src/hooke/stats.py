"""Statistics for paired comparisons: a hierarchical bootstrap over seeds and prompts, and a
sign test across cells."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def hierarchical_bootstrap(
    groups: Sequence[np.ndarray], n_boot: int = 2000, level: float = 0.95, seed: int = 0
) -> tuple[float, float, float]:
    """Mean of per-group means and its percentile CI, resampling groups (seeds) and then the
    items (prompts) within each drawn group, with replacement."""
    groups = [np.asarray(g, dtype=float) for g in groups if len(g)]
    if not groups:
        return float("nan"), float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    estimate = float(np.mean([g.mean() for g in groups]))
    draws = np.empty(n_boot)
    for b in range(n_boot):
        picked = rng.integers(len(groups), size=len(groups))
        draws[b] = np.mean(
            [groups[i][rng.integers(len(groups[i]), size=len(groups[i]))].mean() for i in picked]
        )
    alpha = (1 - level) / 2
    low, high = np.quantile(draws, [alpha, 1 - alpha])
    return estimate, float(low), float(high)


def sign_test(successes: int, trials: int) -> float:
    """One-sided binomial p-value of at least `successes` in `trials` fair coin flips."""
    from scipy.stats import binomtest

    if trials == 0:
        return float("nan")
    return float(binomtest(successes, trials, 0.5, alternative="greater").pvalue)


def spearman_one_sided(x: Sequence[float], y: Sequence[float]) -> tuple[float, float]:
    """Spearman's rho and the one-sided p-value of a rho at least this large: exact over all
    permutations for up to 8 points (the asymptotic p is badly wrong for 3 volumes), else
    from scipy's t approximation."""
    import itertools
    import math

    from scipy.stats import rankdata, spearmanr

    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 3:
        return math.nan, math.nan
    rho = float(spearmanr(x, y).statistic)
    if len(x) > 8:
        return rho, float(spearmanr(x, y, alternative="greater").pvalue)
    rx, ry = rankdata(x), rankdata(y)
    null = [np.corrcoef(rx, np.asarray(p))[0, 1] for p in itertools.permutations(ry)]
    return rho, float(np.mean(np.asarray(null) >= rho - 1e-12))
