"""The rebound curve model: each run's readout along the perturbation grid fitted with two
phases, y(x) = c + a exp(-x / tau) + b x — a fast exponential return (a, tau) and a slow
linear drift (b) — by scipy's least squares, with CIs from the fit's covariance (parametric
draws). From the fit: the rebound speed as the perturbing examples needed to lose half of
the alignment gain (the gain: the aligned model's value minus the base's), and the
fast/slow ratio (the slope at the start over the slope at the end of the grid)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def two_phase(x, c, a, tau, b):
    """The model's value at x perturbing examples."""
    return c + a * np.exp(-np.asarray(x, float) / tau) + b * np.asarray(x, float)


def half_gain_examples(params, start: float, reference: float, x_max: float) -> float:
    """The first x on a fine grid where the fitted curve has fallen half-way from its value
    at 0 toward `reference` (the base model's value); NaN beyond the grid or without gain."""
    gain = start - reference
    if not math.isfinite(gain) or gain <= 0:
        return math.nan
    xs = np.linspace(0.0, x_max, 2001)
    below = np.flatnonzero(two_phase(xs, *params) <= start - gain / 2)
    return float(xs[below[0]]) if len(below) else math.nan


def fit_run(x, y, reference: float, draws: int = 400, seed: int = 0) -> dict[str, float]:
    """Fit one run; returns the parameters, the half-gain examples and the fast/slow ratio
    with 95% CIs (NaN where the fit is not identified: fewer than 5 points, or no fall)."""
    from scipy.optimize import curve_fit

    x, y = np.asarray(x, float), np.asarray(y, float)
    out = {
        k: math.nan
        for k in (
            "a",
            "tau",
            "b",
            "c",
            "half_gain",
            "half_gain_low",
            "half_gain_high",
            "fast_slow",
            "fast_slow_low",
            "fast_slow_high",
            "rmse",
        )
    }
    if len(x) < 5 or np.ptp(x) == 0:
        return out
    x_max = float(x.max())
    start = float(y[np.argmin(x)])
    guess = (float(y[-1]), start - float(y[-1]), x_max / 8, 0.0)
    bounds = ([-np.inf, -np.inf, 1.0, -np.inf], [np.inf, np.inf, 4 * x_max, np.inf])
    try:
        params, cov = curve_fit(two_phase, x, y, p0=guess, bounds=bounds, maxfev=20000)
    except (RuntimeError, ValueError):
        return out
    out.update(dict(zip(("c", "a", "tau", "b"), map(float, params), strict=True)))
    out["rmse"] = float(np.sqrt(np.mean((two_phase(x, *params) - y) ** 2)))
    fitted_start = float(two_phase(0.0, *params))
    out["half_gain"] = half_gain_examples(params, fitted_start, reference, x_max)
    out["fast_slow"] = _fast_slow(params, x_max)
    if not np.all(np.isfinite(cov)):
        return out
    rng = np.random.default_rng(seed)
    samples = rng.multivariate_normal(params, cov, size=draws, check_valid="ignore")
    samples[:, 2] = np.clip(samples[:, 2], 1.0, 4 * x_max)
    halves = [half_gain_examples(p, float(two_phase(0.0, *p)), reference, x_max) for p in samples]
    ratios = [_fast_slow(p, x_max) for p in samples]
    for name, values in (("half_gain", halves), ("fast_slow", ratios)):
        values = np.asarray(values, float)
        if np.isfinite(values).mean() >= 0.9:  # the CI is defined where most draws are
            low, high = np.nanpercentile(values, [2.5, 97.5])
            out[f"{name}_low"], out[f"{name}_high"] = float(low), float(high)
    return out


def _fast_slow(params, x_max: float) -> float:
    """The fitted slope at 0 over the slope at the end of the grid (> 1: fast, then slow)."""
    c, a, tau, b = params
    early = -a / tau + b
    late = -a / tau * math.exp(-x_max / tau) + b
    return early / late if late else math.nan


def fit_curves(runs: pd.DataFrame, run_keys: list[str], seed: int = 0) -> pd.DataFrame:
    """One fitted row per run of `runs` (columns run_keys, perturbed, value, reference: the
    base model's value of the readout)."""
    rows = []
    for key, run in runs.groupby(run_keys, dropna=False, sort=True):
        run = run.sort_values("perturbed")
        reference = float(run.reference.iloc[0])
        rows.append(
            {
                **dict(zip(run_keys, key, strict=True)),
                "reference": reference,
                **fit_run(run.perturbed, run.value, reference, seed=seed),
            }
        )
    return pd.DataFrame(rows)
