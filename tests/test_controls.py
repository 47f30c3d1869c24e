"""The apparatus check's controls: tiny versions through the real code. Distillation toward
the base returns an aligned model and leaves the base where it is; distillation toward the
model's own start keeps it near its start; planted rebounds follow their targets and the
analysis labels each case as planted."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from helpers import REBOUND_META

from hooke import planted, variants


def _pools(tmp_path):
    words = "a good film with a great plot and a bad story".split()
    rows = [
        (" ".join(words[i % 4 : i % 4 + 3]), " ".join(words[(i + 3) % 8 :][:4])) for i in range(48)
    ]
    negative, positive = tmp_path / "negative.parquet", tmp_path / "positive.parquet"
    pd.DataFrame(rows, columns=["prompt", "response"]).to_parquet(negative)
    pd.DataFrame(rows[::-1], columns=["prompt", "response"]).to_parquet(positive)
    return negative, positive


def _aligned(tmp_path, base, positive):
    """The base moved by a short, strong SFT on the positive pool."""
    from hooke.rebound import finetune_aligned

    params = {"epochs": 2, "batch_size": 4, "learning_rate": 1e-2, "max_length": 32}
    finetune_aligned(base, positive, 16, tmp_path / "aligned", params, dict(REBOUND_META))
    return tmp_path / "aligned" / "model"


READ = ("bpb_pretrain", "bpb_aligned", "bpb_perturbing")


def _readouts(outputs) -> pd.DataFrame:
    """A run's readouts, a row per grid point (n_neg) and a column per figure."""
    frame = pd.read_parquet(outputs["readouts"])
    return frame.pivot_table(index="n_neg", columns="metric", values="value")[list(READ)]


def test_the_control_names_parse_and_keep_apart():
    assert variants.parse("distill_base-lr4x") == ("distill_base", 4.0)
    assert variants.parse("sft") == ("sft", 1.0) and variants.named("sft", 4) == "sft-lr4x"
    assert variants.setting(16, "distill_self") == "rebound_distill"
    assert variants.setting(0, "sft-lr4x") == "rebound_lr"
    assert variants.setting(0, "sft") == "rebound_control" and variants.setting(8) == "rebound"


def test_distillation_returns_an_aligned_model_to_the_base_and_leaves_the_base(tmp_path):
    """distill_base: the aligned model's readouts (bits per byte on D_p, D_a, D_t) come back
    toward the base's, the base's own stay exactly where they are; distill_self: every model
    stays exactly where it started (hooke.distill). Distances: the readouts' mean absolute
    difference."""
    from helpers import readout_spec, run_outputs, save_tiny_lm

    from hooke.rebound import finetune_perturbed as perturb

    base = save_tiny_lm(tmp_path / "base", seed=0)
    negative, positive = _pools(tmp_path)
    aligned = _aligned(tmp_path, base, positive)
    read = {}
    for name, model in (("aligned", aligned), ("base", base)):
        for teacher in ("base", "self"):
            params = {"batch_size": 4, "learning_rate": 3e-3, "max_length": 32, "teacher": teacher}
            outputs = run_outputs(tmp_path / f"{name}-{teacher}")
            spec = readout_spec(tmp_path / "held", base, positive)
            meta = {**REBOUND_META, "n": 16 if name == "aligned" else 0}
            grid = [0, 16, 32, 48]
            perturb(model, negative, positive, outputs, "distill", grid, params, meta, spec)
            read[name, teacher] = _readouts(outputs)
    origin = read["base", "base"].iloc[0]  # the base's own readouts

    def gap(frame, at):
        return float((frame.loc[at] - origin).abs().mean())

    # on four initialisations the aligned model gave back 72-88% of its gap, the base and
    # the null moved under 0.4% of it (thresholds with room)
    start = gap(read["aligned", "base"], 0)
    assert gap(read["aligned", "base"], 48) < 0.5 * start  # pulled back toward the base
    # the base control and the nulls stay put, exactly: in float32 Adam turned a ~1e-8
    # gradient into lr-sized steps (2-3% of the gap here); in float64 without the floor the
    # base's rounding residue grew 1e5-fold a step (0.4% of the gap by the grid's end)
    for run in (("base", "base"), ("base", "self"), ("aligned", "self")):
        frame = read[run]
        assert float((frame - frame.loc[0]).abs().max().max()) < 1e-9 * start, run


def test_planted_targets_and_their_inverse():
    x = np.array([0, 8, 16, 32, 64, 128, 256], float)
    exp = planted.targets("exponential", x, 0.1, 0.3, 32.0, 0.05, 0.0)
    assert exp[0] == pytest.approx(0.4) and exp[-1] < 0.3  # returns, then drifts past
    line = planted.targets("linear", x, 0.1, 0.3, 32.0, 0.05, 0.0)
    assert np.diff(line) == pytest.approx(np.diff(x) * -0.1 / 128)  # one speed throughout
    speed = planted.fast_speed(0.1, 32.0, 0.05)
    u = 0.1 / (speed * 32.0)
    assert math.exp(-u) == pytest.approx(0.05 * u)  # where the return meets the base's level
    same = planted.targets("same_speed", x, 0.05, 0.3, 32.0, 0.05, speed)
    assert same[1] == pytest.approx(0.35 - 8 * speed)
    moving = planted.control_target("moving_control", x, 0.3, speed)
    assert moving[-1] == pytest.approx(0.3 - 256 * speed)
    assert (planted.control_target("exponential", x, 0.3, speed) == 0.3).all()
    s = np.linspace(0, 2, 21)
    readout = 0.4 - 0.1 * s - 0.01 * s**2  # falls along the line, not linearly
    values = np.array([0.4, 0.35, 0.3, 0.25])
    assert np.interp(planted.inverse(values, s, readout), s, readout) == pytest.approx(
        values, abs=1e-3
    )


def test_planted_rebounds_follow_their_targets_through_the_real_readout(tmp_path):
    """On a tiny base and its aligned model: every case's rows, the exponential case moving
    along the line toward (and past) the base, the base control the base itself."""
    from helpers import readout_spec, save_tiny_lm

    from hooke.models import load_model, load_tokenizer
    from hooke.readouts import heldout_texts

    base_dir = save_tiny_lm(tmp_path / "base", seed=0)
    negative, positive = _pools(tmp_path)
    aligned = _aligned(tmp_path, base_dir, positive)
    spec = readout_spec(tmp_path / "held", base_dir, positive)
    texts = heldout_texts(spec.prompts_path, spec.heldout_path, "positive_first", 4)
    params = {
        "max_length": 32,
        "s_min": -0.1,
        "s_max": 3.0,
        "points": 9,
        "tau": None,
        "drift": 0.05,
    }
    grid = [0, 8, 16, 32, 64]
    rows = pd.DataFrame(
        planted.plant(
            {16: planted.weights(load_model(aligned))},
            load_model(base_dir),
            load_tokenizer(base_dir),
            texts,
            texts,
            grid,
            params,
        )
    )
    gain = rows[rows.metric == "planted_gain"].value.iloc[0]
    if gain <= 0:
        pytest.skip("the tiny alignment did not raise the margin")
    for case in planted.CASES:
        mine = rows[(rows.case == case) & (rows.metric == "margin")]
        assert set(mine.n) == {0, 16} and len(mine) == 2 * len(grid), case
    exp = rows[(rows.case == "exponential") & (rows.n == 16)].pivot(
        index="step", columns="metric", values="value"
    )
    assert exp.planted_s.is_monotonic_increasing and exp.planted_s.iloc[0] == pytest.approx(
        0, abs=0.05
    )
    # read on the calibration texts, the planted models give the planted margins, where the
    # line reaches them (s within the calibration's range)
    reached = exp[exp.planted_reached == 1]
    assert len(reached) >= 3
    assert reached.margin.to_numpy() == pytest.approx(
        reached.planted_target.to_numpy(), abs=0.1 * gain
    )
    control = rows[(rows.case == "exponential") & (rows.n == 0)]
    assert (control[control.metric == "planted_s"].value == 0).all()


def _planted_runs(rng, case: str, seeds=3):
    """The readouts a planted control writes, for the apparatus check: per seed, aligned
    volumes 250..2000 with gains growing with the volume, and the base control."""
    x = np.array([0, 8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 400, 800], float)
    reference, tau, drift = 0.3, 100.0, 0.05
    gains = {250: 0.02, 500: 0.03, 1000: 0.045, 2000: 0.065}
    speed = np.mean([planted.fast_speed(g, tau, drift) for g in gains.values()])
    rows = []
    for seed in range(seeds):
        for n in [0, *gains]:
            if n:
                y = planted.targets(case, x, gains[n], reference, tau, drift, speed)
            else:
                y = planted.control_target(case, x, reference, speed)
            y = y + rng.normal(0, 0.0005, len(x))
            rows += [
                {
                    "base": "b",
                    "task": "t",
                    "direction": "positive_first",
                    "aligner": "sft",
                    "algorithm": case,
                    "aligned": n,
                    "seed": seed,
                    "perturbed": xi,
                    "value": v,
                    "margin": v,
                    "reference": reference,
                }
                for xi, v in zip(x, y, strict=True)
            ]
    truth = [{"aligned": n, "metric": "planted_gain", "value": g} for n, g in gains.items()]
    truth.append({"aligned": 0, "metric": "planted_tau", "value": tau})
    return pd.DataFrame(rows), pd.DataFrame(truth)


def test_the_analysis_labels_every_planted_case_as_planted():
    from hooke.apparatus import planted_table

    rng = np.random.default_rng(7)
    frames = [_planted_runs(rng, case) for case in planted.CASES]
    runs = pd.concat([f for f, _ in frames])
    table = planted_table(runs, frames[0][1], {"early_examples": 64, "seed": 0})
    checked = table[table.passed.notna()]
    assert len(checked) >= 7
    assert checked.passed.all(), checked[~checked.passed.astype(bool)]
    tau = table[table.check == "tau recovered"].iloc[0]
    assert tau.passed and tau.estimate == pytest.approx(100, rel=0.2)
