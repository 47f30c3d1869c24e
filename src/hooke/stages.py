"""The two stages of a rebound curve, as the paper defines them: the fast stage runs from the
start of the perturbation until the readout reaches the base model's level (the `reference`
of the margin tables, the base read on the same texts), the slow stage after it. A curve
that never reaches that level within the grid is split where its fitted onset-aware curve
(hooke.curves) has made 86% of its fast return (lag + 2 tau). Each stage's speed is the
least-squares fall per example of the readout over its grid points, the interpolated value
at the boundary belonging to both; the H2 contrast compares the two.

Two other boundaries are the sensitivity rows beside the primary one: a fixed window
(`rebound.early_examples`, the rule of earlier versions) and the fitted transition for every
run. None of them is moved after the data are seen."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from hooke.stats import slope

BOUNDARIES = ("base_level", "fixed", "fitted")


def crossing(x, y, level: float) -> float:
    """The first x at which the curve is at or below `level`, by linear interpolation between
    the grid points that bracket it; 0 when it starts there, NaN when it never gets there."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if not math.isfinite(level) or len(x) == 0:
        return math.nan
    if y[0] <= level:
        return float(x[0])
    for i in range(1, len(x)):
        if y[i] <= level:
            share = (y[i - 1] - level) / (y[i - 1] - y[i])
            return float(x[i - 1] + share * (x[i] - x[i - 1]))
    return math.nan


def speeds(x, y, boundary: float) -> tuple[float, float]:
    """(fast, slow): the fall per example of the readout up to `boundary` and from it on,
    least-squares over the grid points of each stage and the interpolated boundary point;
    NaN for a stage with no extent."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if not math.isfinite(boundary) or len(x) < 2:
        return math.nan, math.nan
    at = float(np.interp(boundary, x, y))
    early, late = x < boundary, x > boundary
    fast = -slope(np.append(x[early], boundary), np.append(y[early], at))
    slow = -slope(np.insert(x[late], 0, boundary), np.insert(y[late], 0, at))
    return fast, slow


def contrast(a: float, b: float) -> float:
    """(a - b) / (|a| + |b|): a dimensionless comparison of two speeds in [-1, 1] (1/3 is a
    twice as fast as b, 0.2 is 1.5x), defined whatever their signs; NaN when both are 0."""
    total = abs(a) + abs(b)
    return (a - b) / total if total > 0 else math.nan


def boundary(x, y, reference: float, rule: str, fixed: float, fit: dict | None):
    """Where a run's fast stage ends under `rule`, and which rule gave it: base_level (the
    crossing of the reference, else the fitted transition), fixed, or fitted."""
    transition = _transition(fit, float(x[-1]))
    if rule == "fixed":
        return float(fixed), "fixed"
    if rule == "fitted":
        return transition, "fitted"
    at = crossing(x, y, reference)
    if math.isfinite(at):
        return at, "base_level"
    return transition, "fitted"


def _transition(fit: dict | None, x_max: float) -> float:
    """lag + 2 tau of a fitted onset-aware curve, within the grid (NaN without a fit)."""
    if not fit or not math.isfinite(fit.get("tau", math.nan)):
        return math.nan
    return float(min(fit["lag"] + 2 * fit["tau"], x_max))


def run_stages(
    runs: pd.DataFrame, keys: list[str], rule: str, fixed: float, fits: pd.DataFrame | None
) -> pd.DataFrame:
    """Per run (`keys`; columns perturbed, value, reference): the boundary under `rule`, the
    rule that gave it, both stages' speeds, their contrast and the gain over the base."""
    fitted = {}
    if fits is not None and len(fits):
        fitted = {tuple(row[k] for k in keys): row for row in fits.to_dict("records")}
    ordered = runs.sort_values([*keys, "perturbed"])
    x_all, y_all = ordered.perturbed.to_numpy(float), ordered.value.to_numpy(float)
    reference_all = ordered.reference.to_numpy(float)
    rows = []
    for key, index in ordered.groupby(keys, dropna=False, sort=True).indices.items():
        x, y = x_all[index], y_all[index]
        key = key if isinstance(key, tuple) else (key,)
        at, source = boundary(x, y, reference_all[index[0]], rule, fixed, fitted.get(key))
        fast, slow = speeds(x, y, at)
        rows.append(
            {
                **dict(zip(keys, key, strict=True)),
                "boundary": at,
                "boundary_from": source,
                "fast": fast,
                "slow": slow,
                "contrast": contrast(fast, slow),
                "gain": float(y[0] - reference_all[index[0]]),
            }
        )
    columns = [*keys, "boundary", "boundary_from", "fast", "slow", "contrast", "gain"]
    return pd.DataFrame(rows, columns=columns)


def window_speed(run: pd.DataFrame, boundary_at: float) -> float:
    """The fall per example of a run over [0, boundary_at] (the base control read over its
    aligned runs' fast stage)."""
    return speeds(run.perturbed.to_numpy(float), run.value.to_numpy(float), boundary_at)[0]
