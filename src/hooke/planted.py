"""Planted rebounds (rule plant_rebound): models on the straight line between an aligned model
and its base, θ(s) = θ_aligned + s (θ_base − θ_aligned), placed at every grid point so that
the real readout follows a curve whose truth is known, then read like any run — through the
real readout code (hooke.readouts), on the seed's own held-out texts — so that the analysis
(hooke.stages, hooke.verdicts) must recover what was planted.

Where on the line a target value lies is calibrated on fixed texts, one pass of the readout
along s per aligned model; the planted models are then read on the seed's own draw of texts,
so each planted curve carries the real readout's text-sampling noise, and the seeds' aligned
models their own. The cases (x: perturbing examples, r: the base's margin, G: the aligned
model's gain over it, X: the grid's end):

- exponential: r + G exp(−x / τ) − κ x, κ = drift · G / τ (a fast return to the base's level,
  then a slow drift past it): H2 true, H8 true (the base control stays the base), H3 true
  where the gains grow with the volume;
- linear: a straight fall of G over X / 2, on at that speed: H2 false;
- same_speed: every volume falls at one speed until the base's level, then drifts: H3 false;
- moving_control: the aligned runs as `exponential`, the base control moved away from the
  aligned model as fast as they fall: H8 false."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

CASES = ("exponential", "linear", "same_speed", "moving_control")
TRUTH = "control_planted_truth"  # the setting of what was planted (gains, tau)


def targets(case: str, x, gain: float, reference: float, tau: float, drift: float, speed: float):
    """A case's planted margin along the grid `x` for one aligned model of `gain`; `speed`:
    the common fall per example of same_speed and of the moving control."""
    x = np.asarray(x, float)
    start = reference + gain
    if case == "linear":
        return start - gain / (x.max() / 2) * x
    if case == "same_speed":
        hit = gain / speed  # where the common fall reaches the base's level
        return np.where(x <= hit, start - speed * x, reference - drift * speed * (x - hit))
    return reference + gain * np.exp(-x / tau) - drift * gain / tau * x


def control_target(case: str, x, reference: float, speed: float):
    """The base control's planted margin: the base itself, or (moving_control) a fall at
    the aligned runs' speed."""
    x = np.asarray(x, float)
    if case == "moving_control":
        return reference - speed * x
    return np.full_like(x, reference)


def fast_speed(gain: float, tau: float, drift: float) -> float:
    """The exponential case's mean fall per example until it reaches the base's level (its
    fast stage): gain / x*, with G exp(−x*/τ) = κ x*."""
    u = 1.0
    for _ in range(60):  # the root of exp(-u) = drift * u
        u -= (math.exp(-u) - drift * u) / (-math.exp(-u) - drift)
    return gain / (u * tau)


def inverse(values, grid_s, readout) -> np.ndarray:
    """The s at which a readout measured along the line (`readout` at `grid_s`) takes each
    of `values`: piecewise-linear on the readout made monotone in s, clipped to the grid."""
    order = np.argsort(grid_s)
    s, m = np.asarray(grid_s, float)[order], np.asarray(readout, float)[order]
    falling = np.minimum.accumulate(m)  # the readout falls along the line toward the base
    keep = np.concatenate([[True], np.diff(falling) < 0])
    return np.interp(-np.asarray(values, float), -falling[keep], s[keep])


class Line:
    """The straight line θ(s) = θ_start + s (θ_toward − θ_start) through two models' weights,
    read by a model of their shape (its weights are overwritten as it is moved)."""

    def __init__(self, model, start: Mapping[str, Any], toward: Mapping[str, Any]):
        self.model, self.start, self.toward = model, dict(start), dict(toward)
        self._read: dict[float, dict[str, float]] = {}

    def read(self, s: float, tokenizer, texts, length: int) -> dict[str, float]:
        """The likelihood readouts of the model at s on the seed's texts, read once: the
        cases share points (every case starts at s 0, exponential and moving_control plant
        the same aligned curves, the base control sits at s 0 in three cases), and a point
        read again is the same model on the same texts (a third of the job's readouts)."""
        from hooke.readouts import likelihood_readouts

        if s not in self._read:
            self._read[s] = likelihood_readouts(self.at(s), tokenizer, texts, length)
        return dict(self._read[s])

    def at(self, s: float):
        """The model at s on the line (its weights written in place, a tensor at a time:
        no second copy of the model in memory)."""
        import torch

        own = self.model.state_dict()  # the model's own tensors
        with torch.no_grad():
            for name, a in self.start.items():
                own[name].copy_(a + s * (self.toward[name] - a) if a.is_floating_point() else a)
        return self.model

    def margins(self, steps, tokenizer, texts, length: int) -> list[float]:
        """The likelihood margin along the line at each of `steps` (the calibration)."""
        from hooke.readouts import likelihood_readouts

        return [likelihood_readouts(self.at(s), tokenizer, texts, length)["margin"] for s in steps]


def weights(model) -> dict[str, Any]:
    """A model's weights, copied."""
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def plant(
    aligned: Mapping[int, Mapping[str, Any]],
    base,
    tokenizer,
    calibration: Mapping[str, Any],
    texts: Mapping[str, Any],
    grid: Sequence[int],
    params: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """Metrics rows of every case: for each aligned model (`aligned`: volume -> its weights)
    and the base control (volume 0), the readouts of the planted model at every grid point,
    with the planted target and s beside them. `calibration`: fixed texts, `texts`: the
    seed's. Every line is read through the one `base` model (its weights are put back at
    the end): one model in memory, not one per volume."""
    from hooke.readouts import likelihood_readouts

    length = params["max_length"]
    steps = np.union1d(np.linspace(params["s_min"], params["s_max"], params["points"]), [0, 1])
    x = np.asarray(sorted(set(grid) | {0}), float)
    tau, drift = params["tau"] or x.max() / 8, params["drift"]
    base_state = weights(base)
    reference = likelihood_readouts(base, tokenizer, calibration, length)["margin"]
    lines, along, gains = {}, {}, {}
    for n, start in sorted(aligned.items()):
        lines[n] = Line(base, start, base_state)
        along[n] = lines[n].margins(steps, tokenizer, calibration, length)
        gains[n] = along[n][int(np.flatnonzero(steps == 0)[0])] - reference
    usable = {n: g for n, g in gains.items() if g > 0}  # a model the alignment did not move
    speed = float(np.mean([fast_speed(g, tau, drift) for g in usable.values()] or [0.0]))
    # the base control: the base itself, or moved away from the most aligned model
    top = lines[max(aligned)].start
    away = {k: 2 * v - top[k] if v.is_floating_point() else v for k, v in base_state.items()}
    control = Line(base, base_state, away)
    moved = control.margins(steps, tokenizer, calibration, length)
    read = _reader(tokenizer, texts, length, x)
    rows = []
    for case in CASES:
        for n, gain in usable.items():
            target = targets(case, x, gain, reference, tau, drift, speed)
            rows += read(case, n, target, inverse(target, steps, along[n]), lines[n], along[n])
        target = control_target(case, x, reference, speed)
        if case == "moving_control":
            rows += read(case, 0, target, inverse(target, steps, moved), control, moved)
        else:
            rows += read(case, 0, target, np.zeros_like(x), control, [reference])
    rows += [
        {"n": n, "step": 0, "case": "all", "metric": "planted_gain", "value": g}
        for n, g in gains.items()
    ]
    rows.append({"n": 0, "step": 0, "case": "all", "metric": "planted_tau", "value": tau})
    base.load_state_dict(base_state)
    return rows


def _reader(tokenizer, texts, length: int, x):
    """Reads the planted models of one run along the grid `x`: a row per figure and point,
    with the planted target, its s and whether the calibrated line reaches it."""

    def read(case: str, n: int, target, s_of, along: Line, calibrated) -> list[dict[str, Any]]:
        rows = []
        low, high = float(np.min(calibrated)), float(np.max(calibrated))
        for xi, value, s in zip(x, target, s_of, strict=True):
            figures = along.read(float(s), tokenizer, texts, length)
            # whether the line reaches the target at all (else the nearest it gets)
            reached = float(low - 1e-12 <= value <= high + 1e-12)
            figures.update(planted_target=float(value), planted_s=float(s), planted_reached=reached)
            rows += [
                {"n": n, "step": int(xi), "case": case, "metric": k, "value": float(v)}
                for k, v in figures.items()
            ]
        return rows

    return read


def plant_run(
    base_dir,
    aligned_dirs: Mapping[int, str],
    prompts_path,
    heldout_path,
    out_path,
    grid: Sequence[int],
    params: Mapping[str, Any],
    meta: Mapping[str, Any],
    trust_remote_code: bool = False,
) -> None:
    """Plant every case for one base and seed (`aligned_dirs`: volume -> aligned model) and
    write the readouts as metrics rows (setting control_planted, algorithm: the case)."""
    from hooke.metrics import metrics_table, write_metrics
    from hooke.models import load_model, load_tokenizer
    from hooke.readouts import heldout_texts
    from hooke.score import volumes
    from hooke.splits import draw_seed

    base = load_model(base_dir, trust_remote_code).eval()
    tokenizer = load_tokenizer(base_dir, trust_remote_code)
    aligned = {
        n: weights(load_model(d, trust_remote_code)) for n, d in sorted(aligned_dirs.items())
    }
    direction, count = meta["direction"], params["compression_texts"]
    calibration = heldout_texts(prompts_path, heldout_path, direction, count, None)
    texts = heldout_texts(
        prompts_path, heldout_path, direction, count, draw_seed(params, meta["seed"])
    )
    import torch

    with torch.no_grad():
        rows = plant(aligned, base, tokenizer, calibration, texts, grid, params)
    records = [
        {
            "algorithm": row["case"],
            # what was planted, apart from the planted runs' readouts
            **({"setting": TRUTH} if row["case"] == "all" else {}),
            "step": row["step"],
            **volumes(direction, row["n"], row["step"]),
            "metric": row["metric"],
            "value": row["value"],
        }
        for row in rows
    ]
    write_metrics(metrics_table(records, **meta), out_path)
