"""Statistics that follow the design: a crossed seeds x prompts mean, means and slopes over
independent clusters (bases), each as an estimate with SE and degrees of freedom that give a
CI, a one-sided p and a minimal detectable effect; a sign test and an exact Spearman test for
the descriptive tables."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


def slope(x, y) -> float:
    """Least-squares slope of y on x (centred sums); NaN with fewer than two distinct x."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 2 or np.ptp(x) == 0:
        return math.nan
    dx = x - x.mean()
    return float(dx @ (y - y.mean()) / (dx @ dx))


@dataclass(frozen=True)
class Inference:
    """An estimate with its standard error and degrees of freedom (from the design's
    replication units); everything a verdict reports follows from these three numbers."""

    estimate: float
    se: float
    df: float
    units: int

    def summary(self, alpha: float = 0.05, power: float = 0.8) -> dict[str, float]:
        """Estimate, two-sided (1 - alpha) CI, one-sided p of "greater than 0", and the
        minimal detectable effect: the true effect a one-sided test at alpha / 2 (the level
        at which the CI excludes 0) detects with `power`, given this run's own SE."""
        from scipy.stats import t

        nan = math.nan
        if not (math.isfinite(self.se) and self.se > 0 and self.df > 0):
            # No spread among replicates (df > 0): the estimate is exact, rounding noise
            # around 0 included (it must not read as an effect). No replicates (df 0): no
            # inference at all.
            exact = self.se == 0 and self.df > 0 and math.isfinite(self.estimate)
            value = 0.0 if exact and abs(self.estimate) < 1e-12 else self.estimate
            ci = (value, value) if exact else (nan, nan)
            p = (0.0 if value > 0 else 1.0) if exact else nan
            return self._row(ci, p, 0.0 if exact else nan, value)
        q = t.ppf(1 - alpha / 2, self.df)
        ci = (self.estimate - q * self.se, self.estimate + q * self.se)
        p = float(t.sf(self.estimate / self.se, self.df))
        return self._row(ci, p, float((q + t.ppf(power, self.df)) * self.se))

    def _row(self, ci, p, mde, estimate=None) -> dict[str, float]:
        return {
            "estimate": float(self.estimate if estimate is None else estimate),
            "ci_low": float(ci[0]),
            "ci_high": float(ci[1]),
            "p_one_sided": float(p),
            "mde": float(mde),
            "se": float(self.se),
            "df": float(self.df),
            "units": float(self.units),
        }


def crossed_mean(matrix: np.ndarray) -> Inference:
    """Grand mean of a seeds x prompts table, and its SE under the crossed random-effects
    model y_ij = mu + a_i + b_j + e_ij (every seed answers the same prompts): by the method
    of moments, Var(mean) = (MS_seed + MS_prompt - MS_error) / (S P), floored at
    MS_error / (S P); Satterthwaite degrees of freedom. Resampling prompts within seeds, as
    if seeds and prompts were nested, ignores the shared prompt effect b_j."""
    y = np.asarray(matrix, dtype=float)
    if y.ndim != 2 or np.isnan(y).any():
        raise ValueError("crossed_mean needs a complete seeds x prompts table")
    s, p = y.shape
    grand = float(y.mean())
    if s < 2 and p < 2:
        return Inference(grand, math.nan, 0.0, s)
    if s < 2 or p < 2:  # one factor only: a plain one-sample t over the other
        flat = y.ravel()
        return Inference(grand, float(flat.std(ddof=1) / math.sqrt(flat.size)), flat.size - 1, s)
    rows, cols = y.mean(axis=1), y.mean(axis=0)
    ms_a = p * float(((rows - grand) ** 2).sum()) / (s - 1)
    ms_b = s * float(((cols - grand) ** 2).sum()) / (p - 1)
    resid = y - rows[:, None] - cols[None, :] + grand
    df_e = (s - 1) * (p - 1)
    ms_e = float((resid**2).sum()) / df_e
    numerator = max(ms_a + ms_b - ms_e, ms_e)
    denominator = ms_a**2 / (s - 1) + ms_b**2 / (p - 1) + ms_e**2 / df_e
    df = numerator**2 / denominator if denominator > 0 else math.inf
    return Inference(grand, math.sqrt(numerator / (s * p)), df, s)


def cluster_mean(values, clusters=None) -> Inference:
    """Mean of per-cluster means and its t-based SE over clusters (the independent units:
    runs of one base share that base, so bases are the clusters). Without clusters, or with
    one, every value is its own unit."""
    values = np.asarray(values, dtype=float)
    keep = np.isfinite(values)
    values = values[keep]
    if clusters is not None and len(set(np.asarray(clusters)[keep])) >= 2:
        frame = pd.DataFrame({"v": values, "c": np.asarray(clusters)[keep]})
        values = frame.groupby("c", sort=True).v.mean().to_numpy()
    if len(values) < 2:
        return Inference(float(values.mean()) if len(values) else math.nan, math.nan, 0, 1)
    se = float(values.std(ddof=1) / math.sqrt(len(values)))
    return Inference(float(values.mean()), se, len(values) - 1, len(values))


def fixed_effect_mean(values, clusters) -> Inference:
    """The mean of per-cluster means with the clusters as fixed effects: its SE from the
    pooled within-cluster variance of the units (e.g. seeds within bases), df = units -
    clusters. What a design with fewer than three clusters supports: inference about these
    clusters, not about clusters in general."""
    frame = pd.DataFrame({"v": np.asarray(values, float), "c": np.asarray(clusters)})
    frame = frame[np.isfinite(frame.v)]
    groups = frame.groupby("c", sort=True).v
    means, counts = groups.mean(), groups.count()
    df = len(frame) - len(counts)
    if len(counts) == 0:
        return Inference(math.nan, math.nan, 0, 0)
    estimate = float(means.mean())
    if df < 1:
        return Inference(estimate, math.nan, 0, len(frame))
    pooled = float(((frame.v - frame.c.map(means)) ** 2).sum()) / df
    se = math.sqrt(pooled * float((1.0 / counts).sum())) / len(counts)
    return Inference(estimate, se, df, len(frame))


MIN_CLUSTERS = 3  # fewer clusters than this give no test over clusters (1 df at most)


def replicated_mean(values, clusters) -> tuple[Inference, str]:
    """Over clusters as random (bases), when there are at least MIN_CLUSTERS; else with the
    clusters as fixed effects, over the units within them. Returns the inference and the
    design it used, in words."""
    values = np.asarray(values, float)
    clusters = np.asarray(clusters)
    keep = np.isfinite(values)
    n_clusters = len(set(clusters[keep]))
    if n_clusters >= MIN_CLUSTERS:
        return cluster_mean(values, clusters), f"{n_clusters} bases as clusters"
    inference = fixed_effect_mean(values, clusters)
    return inference, f"{int(keep.sum())} seeds within {n_clusters} base(s), bases fixed"


def family_slopes(frame: pd.DataFrame, x: str, y: str, family: list[str], cluster: str):
    """The least-squares slope of `y` on `x` within each family of runs (e.g. one base and
    algorithm across aligning volumes, seeds as replicates), combined over the independent
    clusters (bases) as a `cluster_mean`; with a single family, its own OLS SE (df n - 2)."""
    from scipy.stats import linregress

    rows = []
    for key, runs in frame.dropna(subset=[x, y]).groupby(family, dropna=False, sort=True):
        if runs[x].nunique() < 2:
            continue
        fit = linregress(runs[x].to_numpy(float), runs[y].to_numpy(float))
        key = key if isinstance(key, tuple) else (key,)
        rows.append(
            {
                **dict(zip(family, key, strict=True)),
                "slope": fit.slope,
                "se": fit.stderr,
                "n": len(runs),
            }
        )
    slopes = pd.DataFrame(rows)
    if slopes.empty:
        return Inference(math.nan, math.nan, 0, 0), slopes
    if len(slopes) == 1:
        only = slopes.iloc[0]
        return Inference(float(only.slope), float(only.se), float(only.n - 2), 1), slopes
    return cluster_mean(slopes.slope, slopes[cluster]), slopes


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
