"""The rebound curve model: each run's readout along the perturbation grid fitted with an
onset and two phases, y(x) = c + a exp(-max(x - lag, 0) / tau) + b x — a flat onset of
`lag` examples (an optimiser's first steps, a format being learnt), a fast exponential
return (a, tau) and a slow linear drift (b) — by scipy's least squares within bounds that
cannot run away (lag within the first half of the grid, tau between a twentieth of the
first grid step and four grids), with CIs from the fit's covariance (parametric draws),
widened where needed to hold their point estimate. From the fit: the rebound speed as the
perturbing examples needed to lose half of the alignment gain (the gain: the aligned model's
value minus the base's), the fast/slow ratio (the slope just after the onset over the slope
at the end of the grid) and the transition, lag + 2 tau (hooke.stages)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

PARAMS = ("c", "a", "lag", "tau", "b")


def two_phase(x, c, a, lag, tau, b):
    """The model's value at x perturbing examples."""
    x = np.asarray(x, float)
    return c + a * np.exp(-np.maximum(x - lag, 0.0) / tau) + b * x


def half_gain_examples(params, start: float, reference: float, x_max: float) -> float:
    """The first x on a fine grid where the fitted curve has fallen half-way from its value
    at 0 toward `reference` (the base model's value); NaN beyond the grid or without gain."""
    gain = start - reference
    if not math.isfinite(gain) or gain <= 0:
        return math.nan
    xs = np.linspace(0.0, x_max, 2001)
    below = np.flatnonzero(two_phase(xs, *params) <= start - gain / 2)
    return float(xs[below[0]]) if len(below) else math.nan


NAMES = (
    *PARAMS,
    "half_gain",
    "half_gain_low",
    "half_gain_high",
    "fast_slow",
    "fast_slow_low",
    "fast_slow_high",
    "tau_low",
    "tau_high",
    "transition",
    "rmse",
)


def fit_run(x, y, reference: float, draws: int = 400, seed: int = 0) -> dict[str, float]:
    """Fit one run; returns the parameters, the half-gain examples, the fast/slow ratio and
    tau with 95% CIs (NaN where the fit is not identified: fewer than 6 points, or none)."""
    from scipy.optimize import curve_fit

    x, y = np.asarray(x, float), np.asarray(y, float)
    out = dict.fromkeys(NAMES, math.nan)
    if len(x) < 6 or np.ptp(x) == 0:
        return out
    x_max = float(x.max())
    step = float(np.min(np.diff(np.unique(x))))
    start = float(y[np.argmin(x)])
    low = [-np.inf, -np.inf, 0.0, step / 20, -np.inf]
    high = [np.inf, np.inf, x_max / 2, 4 * x_max, np.inf]
    guess = (float(y[-1]), start - float(y[-1]), 0.0, x_max / 8, 0.0)
    try:
        params, cov = curve_fit(two_phase, x, y, p0=guess, bounds=(low, high), maxfev=20000)
    except (RuntimeError, ValueError):
        return out
    out.update(dict(zip(PARAMS, map(float, params), strict=True)))
    out["rmse"] = float(np.sqrt(np.mean((two_phase(x, *params) - y) ** 2)))
    out["transition"] = float(min(out["lag"] + 2 * out["tau"], x_max))
    fitted_start = float(two_phase(0.0, *params))
    out["half_gain"] = half_gain_examples(params, fitted_start, reference, x_max)
    out["fast_slow"] = _fast_slow(params, x_max)
    if not np.all(np.isfinite(cov)):
        return out
    rng = np.random.default_rng(seed)
    samples = rng.multivariate_normal(params, cov, size=draws, check_valid="ignore")
    samples = np.clip(samples, low, high)  # the draws stay within the model's bounds
    measures = {
        "half_gain": [
            half_gain_examples(p, float(two_phase(0.0, *p)), reference, x_max) for p in samples
        ],
        "fast_slow": [_fast_slow(p, x_max) for p in samples],
        "tau": samples[:, 3],
    }
    for name, values in measures.items():
        values = np.asarray(values, float)
        if np.isfinite(values).mean() >= 0.9 and math.isfinite(out[name]):
            lo, hi = np.nanpercentile(values, [2.5, 97.5])
            # a percentile interval of a skewed, bounded measure can miss its own point
            out[f"{name}_low"] = float(min(lo, out[name]))
            out[f"{name}_high"] = float(max(hi, out[name]))
    return out


def _fast_slow(params, x_max: float) -> float:
    """The fitted slope just after the onset over the slope at the end of the grid (> 1:
    fast, then slow)."""
    c, a, lag, tau, b = params
    early = -a / tau + b
    late = -a / tau * math.exp(-max(x_max - lag, 0.0) / tau) + b
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
