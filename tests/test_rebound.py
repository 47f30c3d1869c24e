"""Setting II pieces on fixed numbers: grid, ε-crossing, preference pairs, slopes, Table 3."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from helpers import REBOUND_META

from hooke.engines import preference_pairs
from hooke.errors import HookeError
from hooke.rebound_summary import crossing, rank_tests, slopes, table3
from hooke.stats import spearman_one_sided
from hooke.steps import grid_steps


def test_grid_steps():
    assert grid_steps([0, 16, 32, 64], 8) == {2: 16, 4: 32, 8: 64}
    with pytest.raises(HookeError, match="rebound.grid': 12 is not a multiple"):
        grid_steps([0, 12], 8)
    with pytest.raises(HookeError, match="rebound.grid': needs a point above 0"):
        grid_steps([0], 8)


def test_crossing_interpolates_between_grid_points():
    points = [(0, 0.21), (100, 0.11), (200, 0.05), (400, 0.005)]
    # falls from 0.05 at 200 to 0.005 at 400: under 0.01 at 200 + 0.04 / 0.045 * 200
    assert crossing(points, 0.01) == pytest.approx(200 + 0.04 / 0.045 * 200)
    assert crossing(points, 0.5) == 0
    assert math.isnan(crossing(points, 0.001))


def test_preference_pairs_push_toward_the_perturbing_pole():
    negative = pd.DataFrame({"prompt": ["p1", "p2", "p3"], "response": ["bad", "awful", "dull"]})
    positive = pd.DataFrame({"prompt": ["q1", "q2"], "response": ["good", "great"]})
    pairs = preference_pairs(negative, positive, None)
    assert pairs.to_dict("list") == {
        "prompt": ["p1", "p2"],
        "chosen": [" bad", " awful"],
        "rejected": [" good", " great"],
    }


def _curves():
    rows = []
    for aligned, drop in [(100, 0.001), (200, 0.002), (400, 0.003)]:
        for x in (0, 10, 20, 40, 80):
            early = min(x, 20)
            y = 0.7 - drop * early - 0.0001 * max(0, x - 20)
            rows.append(
                {
                    "base": "b",
                    "task": "t",
                    "direction": "positive_first",
                    "aligner": "sft",
                    "algorithm": "sft",
                    "aligned": aligned,
                    "perturbed": x,
                    "metric": "mean_p_positive",
                    "value": y,
                }
            )
            rows.append({**rows[-1], "metric": "kl_to_base", "value": 0.2 - 0.002 * x})
    return pd.DataFrame(rows)


def test_slopes_and_rank_test():
    table = slopes(_curves(), early_examples=20)
    assert table.early_slope.tolist() == pytest.approx([-0.001, -0.002, -0.003])
    assert table.late_slope.tolist() == pytest.approx([-0.0001] * 3)
    tests = rank_tests(table)
    assert tests.spearman_rho.iloc[0] == pytest.approx(1.0)
    assert tests.p_one_sided.iloc[0] == pytest.approx(1 / 6)


def test_table3():
    table = table3(_curves(), epsilon=0.05)
    assert table.kl_after_alignment.tolist() == pytest.approx([0.2] * 3)
    assert table.examples_to_epsilon.tolist() == pytest.approx([75.0] * 3)
    assert table.reached.all()


def test_spearman_exact():
    assert spearman_one_sided([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx((-1.0, 1.0))
    assert spearman_one_sided([1, 2, 3, 4], [1, 2, 3, 4])[1] == pytest.approx(1 / 24)


def test_unpaired_feedback_labels():
    from hooke.engines import unpaired_feedback

    negative = pd.DataFrame({"prompt": ["p1", "p2"], "response": ["bad", "awful"]})
    positive = pd.DataFrame({"prompt": ["q1", "q2", "q3"], "response": ["good", "great", "fine"]})
    frame = unpaired_feedback(negative, positive, None)
    assert frame.label.tolist() == [True, False, True, False]
    assert frame.completion.tolist() == [" bad", " good", " awful", " great"]


META = REBOUND_META


@pytest.mark.parametrize("algorithm", ["sft", "dpo", "kto", "simpo"])
def test_every_algorithm_perturbs_and_reads_every_grid_point(tmp_path, algorithm):
    """One job per run: the readouts of every grid point and the training losses, and no
    model left behind (no checkpoint, no optimizer state)."""
    from helpers import readout_spec, run_outputs, save_tiny_lm

    from hooke.metrics import read_metrics
    from hooke.rebound import finetune_perturbed as perturb

    model = save_tiny_lm(tmp_path / "aligned")
    negative, positive = _pools(tmp_path)
    params = {"batch_size": 4, "learning_rate": 1e-3, "max_length": 32, "beta": 0.1}
    outputs = run_outputs(tmp_path / "run")
    spec = readout_spec(tmp_path / "held", model, positive)
    meta = {**META, "n": 8}
    perturb(model, negative, positive, outputs, algorithm, [0, 4, 8], params, meta, spec)
    readouts = read_metrics(outputs["readouts"]).to_pandas()
    assert sorted(readouts[readouts.metric == "margin"].n_neg) == [0, 4, 8]
    assert readouts.n_pos.eq(8).all() and readouts.value.map(math.isfinite).all()
    assert [p.name for p in sorted((tmp_path / "run").iterdir())] == sorted(
        p.name for p in outputs.values()
    )
    losses = read_metrics(outputs["metrics"]).column("value").to_pylist()
    assert len(losses) >= 2 and all(math.isfinite(v) for v in losses)


@pytest.mark.parametrize("lora", [None, {"r": 4}])
def test_readouts_in_memory_equal_those_of_saved_checkpoints(tmp_path, lora):
    """What the run reads of its model mid-training is what the same readouts give on the
    checkpoint saved at that grid point and loaded again, byte for byte (full fine-tuning;
    with LoRA the adapter is merged on loading, so equal to float precision): reading
    changes nothing of the training (the checkpoints equal a run that reads nothing)."""
    import shutil

    from helpers import readout_spec, run_outputs, save_tiny_lm

    from hooke.grid_readouts import GridReader
    from hooke.models import load_model, load_tokenizer
    from hooke.paths import checkpoint_dir
    from hooke.rebound import finetune_perturbed as perturb

    model = save_tiny_lm(tmp_path / "aligned")
    negative, positive = _pools(tmp_path)
    params = {"batch_size": 4, "learning_rate": 1e-2, "max_length": 32, "beta": 0.1}
    spec = readout_spec(tmp_path / "held", model, positive, sample_at=[0, 8])
    meta = {**META, "n": 8}
    runs = {}
    for name, grid in (("read", [0, 4, 8, 16]), ("quiet", [0, 16])):
        outputs = run_outputs(tmp_path / name)
        perturb(
            model,
            negative,
            positive,
            outputs,
            "sft",
            grid,
            params,
            meta,
            spec,
            lora=lora,
            keep_checkpoints=True,
        )
        runs[name] = outputs
    kept = tmp_path / "read" / "checkpoints"
    again = {"quiet": tmp_path / "quiet" / "checkpoints" / "examples-16" / "model.safetensors"}
    if lora is None:  # reading at 4 and 8 left the training as it was
        last = checkpoint_dir(kept, 16) / "model.safetensors"
        assert last.read_bytes() == again["quiet"].read_bytes()
    tokenizer = load_tokenizer(model)
    reader = GridReader(spec, tokenizer, meta, tmp_path / "from-checkpoints")
    for examples in (0, 4, 8, 16):
        path = model if examples == 0 else checkpoint_dir(kept, examples)
        reader.at(load_model(path), examples)
    table, responses = reader.collect([0, 4, 8, 16])
    in_memory = pd.read_parquet(runs["read"]["readouts"])
    from_disk = table.to_pandas()
    keys = ["step", "metric", "item"]
    in_memory, from_disk = (
        f.sort_values(keys).reset_index(drop=True) for f in (in_memory, from_disk)
    )
    assert in_memory[keys].equals(from_disk[keys])
    if lora is None:
        assert in_memory.value.tolist() == from_disk.value.tolist()
        sampled = pd.read_parquet(runs["read"]["responses"])
        assert sampled.equals(responses) and set(sampled.step) == {0, 8}
    else:
        assert np.allclose(in_memory.value, from_disk.value, rtol=1e-4, atol=1e-5)
    shutil.rmtree(kept)


def _pools(tmp_path):
    words = "a good film with a great plot and a bad story".split()
    rows = [
        (" ".join(words[i % 4 : i % 4 + 3]), " ".join(words[(i + 3) % 8 :][:4])) for i in range(16)
    ]
    negative, positive = tmp_path / "negative.parquet", tmp_path / "positive.parquet"
    pd.DataFrame(rows, columns=["prompt", "response"]).to_parquet(negative)
    pd.DataFrame(rows[::-1], columns=["prompt", "response"]).to_parquet(positive)
    return negative, positive


def test_own_samples_answer_each_perturbing_prompt(tmp_path):
    """pairs own_samples: the rejected side is the starting model's own answer to the same
    prompt, seeded (the same seed, the same answers), and DPO trains on such pairs."""
    from helpers import save_tiny_lm

    from hooke.models import load_trainable
    from hooke.rebound import finetune_perturbed as perturb
    from hooke.rebound import own_samples

    folder = save_tiny_lm(tmp_path / "aligned")
    negative, positive = _pools(tmp_path)
    pool = pd.read_parquet(negative)
    model, tokenizer = load_trainable(folder)
    params = {"max_completion_length": 6}
    first = own_samples(model, tokenizer, pool, params, seed=3)
    again = own_samples(model, tokenizer, pool, params, seed=3)
    other = own_samples(model, tokenizer, pool, params, seed=4)
    assert first.prompt.tolist() == pool.prompt.tolist()
    assert first.equals(again) and not first.equals(other)
    assert tokenizer.padding_side == "right"  # restored for training
    pairs = preference_pairs(pool, first, tokenizer)
    assert (pairs.rejected.str.strip() == first.response.str.strip()).all()
    params = {
        "batch_size": 4,
        "learning_rate": 1e-3,
        "max_length": 32,
        "beta": 0.1,
        "pairs": "own_samples",
        "max_completion_length": 6,
        "warmup_steps": 1,
    }
    from helpers import readout_spec, run_outputs

    outputs = run_outputs(tmp_path / "run")
    spec = readout_spec(tmp_path / "held", folder, positive)
    perturb(folder, negative, positive, outputs, "dpo", [0, 8], params, {**META, "n": 8}, spec)
    assert outputs["readouts"].is_file()


def test_warm_up_starts_the_learning_rate_at_zero(tmp_path):
    from helpers import save_tiny_lm

    from hooke.engines import build_trainer
    from hooke.models import load_trainable

    model, tokenizer = load_trainable(save_tiny_lm(tmp_path / "m"))
    negative, positive = _pools(tmp_path)
    pool, opposite = pd.read_parquet(negative), pd.read_parquet(positive)
    rates = {}
    for warmup in (0, 2):
        params = {"batch_size": 4, "learning_rate": 1e-3, "max_length": 32, "warmup_steps": warmup}
        trainer = build_trainer("sft", model, tokenizer, pool, opposite, params, tmp_path, 0, [])
        trainer.create_optimizer_and_scheduler(num_training_steps=4)
        schedule = trainer.lr_scheduler
        rates[warmup] = [schedule.lr_lambdas[0](step) * 1e-3 for step in range(4)]
    assert rates[0] == [1e-3] * 4
    assert rates[2] == pytest.approx([0.0, 5e-4, 1e-3, 1e-3])


@pytest.mark.parametrize("aligner", ["sft", "dpo"])
def test_a_short_aligning_pool_fails_naming_the_volume_key(tmp_path, aligner):
    """Each aligner (hooke's SFT loop, a TRL trainer) refuses before training, naming the
    split and rebound.volumes, and leaves no aligned model."""
    from helpers import save_tiny_lm

    from hooke.rebound import finetune_aligned

    base = save_tiny_lm(tmp_path / "base")
    negative, positive = _pools(tmp_path)  # 16 examples each
    params = {"epochs": 1, "batch_size": 4, "learning_rate": 1e-3, "max_length": 32, "beta": 0.1}
    meta = {**META, "aligner": aligner}
    with pytest.raises(HookeError, match=r"positive\.parquet: 16 examples, but rebound\.volumes"):
        finetune_aligned(
            base,
            positive,
            17,
            tmp_path / "aligned",
            params,
            meta,
            aligner=aligner,
            opposite_path=negative,
        )
    assert not (tmp_path / "aligned").exists()


def test_grpo_perturbs_toward_the_scorers_undesirable_pole(tmp_path):
    """Online RL with the task scorer as reward: a keyword scorer (desirable = says 'good')
    rewards completions without it when the run perturbs away from the desirable pole."""
    from helpers import save_tiny_lm

    from hooke.engines import pole_reward
    from hooke.metrics import read_metrics
    from hooke.rebound import finetune_perturbed as perturb
    from hooke.scorers import build_scorer, load_scorer

    scorer_dir = tmp_path / "scorer"
    labelled = pd.DataFrame({"text": ["good", "bad"], "label": [1, 0]})
    build_scorer({"kind": "keyword", "keywords": ["good"]}, labelled, scorer_dir)
    away = pole_reward(load_scorer(scorer_dir), toward_desirable=False)
    assert away(["p", "p"], [" a good film", " a bad film"]) == [0.0, 1.0]
    toward = pole_reward(load_scorer(scorer_dir), toward_desirable=True)
    assert toward(["p"], [" good"]) == [1.0]

    model = save_tiny_lm(tmp_path / "aligned")
    rows = [(f"a film number {i}", "a bad plot") for i in range(8)]
    pool = tmp_path / "negative.parquet"
    pd.DataFrame(rows, columns=["prompt", "response"]).to_parquet(pool)
    meta = dict(META)
    params = {
        "batch_size": 2,
        "learning_rate": 1e-3,
        "max_length": 32,
        "beta": 0.1,
        "num_generations": 2,
        "max_completion_length": 6,
    }
    from helpers import readout_spec, run_outputs

    outputs = run_outputs(tmp_path / "run")
    spec = readout_spec(tmp_path / "held", model, pool)
    meta["n"] = 8
    perturb(
        model, pool, pool, outputs, "grpo", [0, 2, 4], params, meta, spec, scorer_dir=scorer_dir
    )
    margins = read_metrics(outputs["readouts"]).to_pandas().query("metric == 'margin'")
    assert sorted(margins.n_neg) == [0, 2, 4]
    losses = read_metrics(outputs["metrics"]).column("value").to_pylist()
    assert len(losses) == 2 and all(math.isfinite(v) for v in losses)


def test_grpo_without_a_scorer_is_refused(tmp_path):
    from helpers import save_tiny_lm

    from hooke.rebound import finetune_perturbed as perturb

    model = save_tiny_lm(tmp_path / "aligned")
    pool = tmp_path / "pool.parquet"
    pd.DataFrame({"prompt": ["a"] * 4, "response": ["b"] * 4}).to_parquet(pool)
    meta = dict(META)
    params = {"batch_size": 2, "learning_rate": 1e-3, "max_length": 32, "beta": 0.1}
    from helpers import readout_spec, run_outputs

    spec = readout_spec(tmp_path / "held", model, pool)
    outputs = run_outputs(tmp_path / "run")
    with pytest.raises(HookeError, match="'grpo' needs the task's scorer"):
        perturb(model, pool, pool, outputs, "grpo", [0, 2], params, {**meta, "n": 8}, spec)
    assert not any(p.exists() for p in outputs.values())


def test_fit_exponent_recovers_a_known_exponent():
    from hooke.rebound_summary import fit_exponent

    rng = np.random.default_rng(1)
    k = np.logspace(0, 4, 12)
    ratio = -3.0 * k**0.7 * np.exp(rng.normal(0, 0.05, k.size))
    fit = fit_exponent(k, ratio)
    assert fit["exponent"] == pytest.approx(0.7, abs=0.03)
    assert fit["ci_low"] < 0.7 < fit["ci_high"] and fit["ci_high"] - fit["ci_low"] < 0.1
    assert fit["runs"] == 12 and fit["opposite_signs"] == 1.0
    flat = fit_exponent([1, 10, 100], [2.0, 2.0, 2.0])  # no dependence on k: exponent 0
    assert flat["exponent"] == pytest.approx(0.0, abs=1e-9) and flat["opposite_signs"] == 0.0
    assert np.isnan(fit_exponent([1, 2], [1, 2])["exponent"])  # too few runs to fit


def test_elasticity_index_and_its_trends_along_both_axes():
    from hooke.rebound_summary import elasticity, index_trends

    bases = {  # three sizes at 800k tokens, three budgets of the middle size
        "s": (1e5, 8e5, 0.2),
        "m": (4e5, 8e5, 0.5),
        "l": (9e5, 8e5, 0.9),
        "m-200k": (4e5, 2e5, 0.1),
        "m-400k": (4e5, 4e5, 0.3),
    }
    slope_rows, axes = [], []
    for base, (params, tokens, index) in bases.items():
        axes.append({"base": base, "params": params, "tokens": tokens})
        for aligned in (100, 200):
            slope_rows.append(
                {
                    "base": base,
                    "task": "t",
                    "direction": "positive_first",
                    "aligner": "sft",
                    "algorithm": "sft",
                    "aligned": aligned,
                    "score_start": 0.6,
                    "early_drop_per_100": index + 0.1,
                    "late_drop_per_100": 0.1,
                }
            )
    table = elasticity(pd.DataFrame(slope_rows), pd.DataFrame(axes))
    assert table.set_index(["base", "aligned"]).elasticity_index.loc["l", 100] == pytest.approx(0.9)
    trends = index_trends(table)
    size = trends[(trends.axis == "params") & (trends.aligned == 0)]
    assert size.bases.tolist() == ["s, m, l"] and size.at_tokens.tolist() == [8e5]
    assert size.spearman_rho.iloc[0] == pytest.approx(1.0)
    assert size.p_one_sided.iloc[0] == pytest.approx(1 / 6)
    budget = trends[(trends.axis == "tokens") & (trends.aligned == 100)]
    assert budget.bases.tolist() == ["m-200k, m-400k, m"]
    assert budget.spearman_rho.iloc[0] == pytest.approx(1.0)
    assert len(trends) == 2 * 3  # two axes x (two volumes and their mean)


def test_aligners_dpo_and_a_plugin_align_and_errors_name_the_plugin(tmp_path, monkeypatch):
    """rebound.aligners: DPO aligns on (aligning, opposite) pairs; a plugin's factory gets
    the align params with its own on top and its Trainer is trained; a factory that cannot
    be imported, or returns no Trainer, fails in one line naming it."""
    from conftest import ROOT
    from helpers import save_tiny_lm
    from safetensors.torch import load_file

    from hooke.aligners import alignment_trainer
    from hooke.models import load_trainable
    from hooke.rebound import finetune_aligned

    monkeypatch.syspath_prepend(str(ROOT / "tests" / "plugins"))
    base = save_tiny_lm(tmp_path / "base")
    negative, positive = _pools(tmp_path)
    params = {"epochs": 1, "batch_size": 4, "learning_rate": 1e-2, "max_length": 32, "beta": 0.1}
    plugin = {"factory": "anchored_sft:factory", "params": {"anchor_weight": 1e6}}
    moved = {}
    for name, spec in (("sft", "sft"), ("dpo", "dpo"), ("anchored", plugin)):
        out = tmp_path / name
        meta = {**META, "aligner": name}
        finetune_aligned(base, positive, 8, out, params, meta, aligner=spec, opposite_path=negative)
        weights = load_file(str(out / "model" / "model.safetensors"))
        start = load_file(str(base / "model.safetensors"))
        moved[name] = sum(float(((weights[k] - start[k]) ** 2).sum()) for k in start)
    assert moved["sft"] > 0 and moved["dpo"] > 0
    assert moved["anchored"] < moved["sft"] / 10  # the anchor holds the weights near the base
    model, tokenizer = load_trainable(base)
    pool, opposite = pd.read_parquet(positive), pd.read_parquet(negative)
    for spec, message in (
        ({"factory": "no_such_module:factory"}, "cannot load 'no_such_module:factory'"),
        ({"factory": "anchored_sft:not_a_trainer"}, "returned str, not a transformers.Trainer"),
    ):
        with pytest.raises(HookeError, match=message):
            alignment_trainer(spec, model, tokenizer, pool, opposite, params, tmp_path, 0, [])


def test_the_balanced_control_takes_both_poles_in_turn_and_is_kept_apart(tmp_path):
    from hooke.metrics import REBOUND_BALANCED, rebound_setting
    from hooke.rebound import balanced_pool

    negative, positive = _pools(tmp_path)
    perturb, aligning = pd.read_parquet(negative), pd.read_parquet(positive)
    stream = balanced_pool(perturb, aligning, 5, "pool")
    assert stream.response.tolist() == [
        perturb.response[0],
        aligning.response[0],
        perturb.response[1],
        aligning.response[1],
        perturb.response[2],
    ]
    with pytest.raises(HookeError, match="pool: the balanced control needs 17 examples"):
        balanced_pool(perturb, aligning, 33, "pool")
    assert rebound_setting(16, "balanced") == REBOUND_BALANCED
    assert rebound_setting(16, "sft") == "rebound" and rebound_setting(0) == "rebound_control"


def test_each_seed_draws_its_own_texts_and_its_volumes_are_nested(tmp_path):
    """rebound.draw per_seed: a seed's permutation of a split is fixed by the seed and the
    split's name, its smaller volume is the head of its larger one, other seeds and splits
    draw otherwise; fixed (seed None) keeps the split's order. A perturbation run of each
    seed reads its own held-out texts, in the order its draw gives."""
    from helpers import readout_spec, run_outputs, save_tiny_lm

    from hooke.rebound import finetune_perturbed as perturb
    from hooke.splits import drawn
    from hooke.trainer import first_pairs

    frame = pd.DataFrame({"prompt": [f"p{i}" for i in range(40)], "response": ["r"] * 40})
    frame.to_parquet(tmp_path / "positive.parquet")
    one = drawn(frame, 1, "positive")
    assert one.equals(drawn(frame, 1, "positive")) and sorted(one.prompt) == sorted(frame.prompt)
    assert not one.equals(drawn(frame, 2, "positive"))
    assert not one.equals(drawn(frame, 1, "negative"))
    assert drawn(frame, None, "positive").equals(frame)
    small = first_pairs(tmp_path / "positive.parquet", 10, "k", seed=1)
    large = first_pairs(tmp_path / "positive.parquet", 30, "k", seed=1)
    assert small.equals(large.head(10))
    model = save_tiny_lm(tmp_path / "aligned")
    negative, positive = _pools(tmp_path)
    params = {"batch_size": 4, "learning_rate": 1e-3, "max_length": 32, "draw": "per_seed"}
    margins = {}
    for seed in (0, 1):
        spec = readout_spec(tmp_path / "held", model, positive, draw="per_seed", prompts=2)
        outputs = run_outputs(tmp_path / f"seed-{seed}")
        meta = {**META, "seed": seed, "n": 8}
        perturb(model, negative, positive, outputs, "sft", [0, 4], params, meta, spec)
        readouts = pd.read_parquet(outputs["readouts"])
        margins[seed] = readouts[readouts.metric == "bpb_pretrain"].value.tolist()
    assert margins[0][0] != margins[1][0]  # the same model at 0, other held-out texts


def test_a_burn_in_runs_its_steps_at_learning_rate_zero_then_the_schedule(tmp_path):
    """burn_in_steps 2 with a 2-step warm-up: learning rates 0, 0, then the warm-up's 0 and
    half, then the full rate; the run takes the burn-in's steps beyond the grid's."""
    from helpers import save_tiny_lm

    from hooke.engines import build_trainer
    from hooke.models import load_trainable
    from hooke.trainer import burn_in

    model, tokenizer = load_trainable(save_tiny_lm(tmp_path / "m"))
    negative, positive = _pools(tmp_path)
    pool, opposite = pd.read_parquet(negative), pd.read_parquet(positive)
    params = {"batch_size": 4, "learning_rate": 1e-3, "max_length": 32, "warmup_steps": 2}
    trainer = build_trainer("sft", model, tokenizer, pool, opposite, params, tmp_path, 0, [])
    trainer.create_optimizer_and_scheduler(num_training_steps=6)
    burn_in(2).on_train_begin(
        trainer.args,
        trainer.state,
        trainer.control,
        lr_scheduler=trainer.lr_scheduler,
        optimizer=trainer.optimizer,
    )
    schedule = trainer.lr_scheduler
    rates = [schedule.lr_lambdas[0](step) * 1e-3 for step in range(6)]
    assert rates == pytest.approx([0.0, 0.0, 0.0, 5e-4, 1e-3, 1e-3])
    assert trainer.optimizer.param_groups[0]["lr"] == 0.0  # the first step's rate, set now
