"""The defences of the elasticity benchmark (hooke.defences): each changes training the way
its paper says, and with its strength at zero it is plain SFT."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import REBOUND_META

META = REBOUND_META
PARAMS = {"epochs": 1, "batch_size": 4, "learning_rate": 1e-2, "max_length": 32}


def _pools(tmp_path, n=16):
    good = "a good film with a great plot and great acting".split()
    bad = "a bad film with a dull plot and dull acting".split()

    def rows(words):
        return [
            (" ".join(words[i % 3 : i % 3 + 3]), " ".join(words[(i + 3) % 6 :][:4]))
            for i in range(n)
        ]

    positive, negative = tmp_path / "positive.parquet", tmp_path / "negative.parquet"
    pd.DataFrame(rows(good), columns=["prompt", "response"]).to_parquet(positive)
    pd.DataFrame(rows(bad), columns=["prompt", "response"]).to_parquet(negative)
    return positive, negative


def _aligned_weights(tmp_path, base, aligner, name):
    from safetensors.torch import load_file

    from hooke.rebound import finetune_aligned

    positive, negative = _pools(tmp_path)
    out = tmp_path / name
    meta = {**META, "aligner": name}
    finetune_aligned(base, positive, 8, out, PARAMS, meta, aligner=aligner, opposite_path=negative)
    return load_file(str(out / "model" / "model.safetensors"))


def _distance(a, b):
    return sum(float(((a[k] - b[k]) ** 2).sum()) for k in a)


@pytest.fixture
def base(tmp_path):
    from helpers import save_tiny_lm

    return save_tiny_lm(tmp_path / "base")


def _batch(tokenizer, path, n=4):
    from hooke.trainer import collator, completion_dataset

    frame = pd.read_parquet(path).head(n)
    data = completion_dataset(frame.prompt.tolist(), frame.response.tolist(), tokenizer, 32)
    return collator(tokenizer)([data[i] for i in range(n)])


@pytest.mark.parametrize(
    "name, zero",
    [("vaccine", {"rho": 0.0}), ("booster", {"lamb": 0.0}), ("repnoise", {"alpha": 0, "beta": 0})],
)
def test_a_defence_at_zero_strength_is_plain_sft_and_otherwise_not(tmp_path, base, name, zero):
    """Same batches, learning rate and steps as plain SFT: only the defence differs."""
    from hooke.defences import spec

    plain = _aligned_weights(tmp_path, base, "sft", "sft")
    off = _aligned_weights(tmp_path, base, spec(name, zero), f"{name}-off")
    on = _aligned_weights(tmp_path, base, spec(name, None), name)
    assert _distance(off, plain) < 1e-12
    assert _distance(on, plain) > 1e-8


def test_vaccine_shifts_the_hidden_states_toward_a_higher_alignment_loss(tmp_path, base):
    """The first pass finds a drift of norm rho over all layers that raises the loss; the
    second pass trains under it."""
    import torch

    from hooke.defences.streams import decoder_layers, hidden_of, with_hidden
    from hooke.defences.vaccine import VaccineTrainer
    from hooke.models import load_trainable
    from hooke.trainer import collator, training_arguments

    model, tokenizer = load_trainable(base)
    positive, _ = _pools(tmp_path)
    args = training_arguments(tmp_path / "t", per_device_train_batch_size=4)
    trainer = VaccineTrainer(model=model, args=args, data_collator=collator(tokenizer), rho=0.05)
    batch = trainer._prepare_inputs(_batch(tokenizer, positive))
    eps = trainer.drift(model, batch)
    assert len(eps) == len(decoder_layers(model))
    assert float(torch.sqrt(sum(e.pow(2).sum() for e in eps))) == pytest.approx(0.05, rel=1e-4)
    with torch.no_grad():
        plain = float(model(**batch).loss)
        handles = [
            layer.register_forward_hook(lambda m, a, out, e=e: with_hidden(out, hidden_of(out) + e))
            for layer, e in zip(decoder_layers(model), eps, strict=True)
        ]
        shifted = float(model(**batch).loss)
        for handle in handles:
            handle.remove()
    assert shifted > plain


def test_booster_attenuates_the_drop_a_harmful_step_causes(tmp_path, base):
    """Booster's penalty h(w) - h(w - alpha g/|g|) ends smaller than after plain SFT from the
    same start, and its simulation leaves the weights where they were."""
    import torch

    from hooke.defences import spec
    from hooke.defences.booster import BoosterTrainer
    from hooke.defences.streams import HarmfulStream
    from hooke.models import load_model, load_trainable
    from hooke.trainer import collator, completion_dataset, training_arguments

    _, tokenizer = load_trainable(base)
    positive, negative = _pools(tmp_path)
    frame = pd.read_parquet(negative)
    harmful = HarmfulStream(
        completion_dataset(frame.prompt.tolist(), frame.response.tolist(), tokenizer, 32),
        tokenizer,
        8,
    )
    drops = {}
    for name, aligner in (("sft", "sft"), ("booster", spec("booster", {"lamb": 50.0}))):
        weights = _aligned_weights(tmp_path, base, aligner, name)
        model = load_model(base)
        model.load_state_dict(weights, strict=False)
        args = training_arguments(tmp_path / "probe", per_device_train_batch_size=4)
        probe = BoosterTrainer(
            model=model,
            args=args,
            data_collator=collator(tokenizer),
            harmful=harmful,
            lamb=1.0,
            alpha=0.1,
        )
        before = {k: v.clone() for k, v in model.state_dict().items()}
        batch = probe._prepare_inputs(harmful.batch(0))
        _, drops[name] = probe.harmful_drop(model, batch)
        after = model.state_dict()
        assert all(torch.allclose(before[k], after[k], atol=1e-6) for k in before)
    assert drops["booster"] < drops["sft"]


def test_repnoise_drives_harmful_representations_toward_noise(tmp_path, base):
    """Against plain SFT from the same start: the noise term drives the MMD between the
    harmful hidden states and Gaussian noise down over training, and the ascent term leaves
    the harmful responses less likely (a higher logit-lens cross-entropy)."""
    import torch

    from hooke.defences.repnoise import RepNoiseTrainer, mmd
    from hooke.defences.streams import HarmfulStream
    from hooke.models import load_trainable
    from hooke.trainer import completion_dataset, finetune

    generator = torch.Generator().manual_seed(0)
    x, y = torch.randn(16, 8, generator=generator), torch.randn(16, 8, generator=generator)
    assert mmd(x, y) < mmd(x, y + 3.0)
    positive, negative = _pools(tmp_path, n=48)
    traces, trainers = {}, []

    class Recorded(RepNoiseTrainer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            trainers.append(self)

    for name, alpha, beta in (("plain", 0.0, 0.0), ("noise", 0.0, 1.0), ("ascent", 1.0, 0.0)):
        model, tokenizer = load_trainable(base)
        data = {
            p: completion_dataset(f.prompt.tolist(), f.response.tolist(), tokenizer, 32)
            for p, f in ((p, pd.read_parquet(p)) for p in (positive, negative))
        }
        finetune(
            model,
            tokenizer,
            data[positive],
            {**PARAMS, "learning_rate": 3e-2},
            tmp_path / name,
            [],
            0,
            trainer_class=Recorded,
            harmful=HarmfulStream(data[negative], tokenizer, 4),
            alpha=alpha,
            beta=beta,
        )
        traces[name] = pd.DataFrame(trainers[-1].trace)
    assert all(len(t) == 12 for t in traces.values())
    late = {name: t.tail(3).mean() for name, t in traces.items()}
    assert late["noise"].noise < traces["noise"].noise.head(3).mean()
    assert late["noise"].noise < late["plain"].noise
    assert late["ascent"].harmful > late["plain"].harmful


def test_anchor_holds_the_perturbed_weights_near_the_aligned_ones(tmp_path, base):
    """L2-SP toward the starting weights: zero at the start, and a strong pull keeps the
    perturbation from moving the weights, for SFT and a TRL engine alike."""
    from helpers import readout_spec, run_outputs
    from safetensors.torch import load_file

    from hooke.rebound import finetune_perturbed

    positive, negative = _pools(tmp_path)
    start = load_file(str(base / "model.safetensors"))
    moved = {}
    for algorithm in ("sft", "dpo"):
        for name, guard in (
            ("plain", None),
            ("anchor", {"defence": "anchor", "params": {"alpha": 1e4}}),
        ):
            out = tmp_path / f"{algorithm}-{name}"
            finetune_perturbed(
                base,
                negative,
                positive,
                run_outputs(out),
                algorithm,
                [0, 8],
                {**PARAMS, "beta": 0.1},
                {**META, "n": 8},
                readout_spec(tmp_path / "held", base, positive),
                guard=guard,
                keep_checkpoints=True,
            )
            weights = load_file(str(out / "checkpoints" / "examples-8" / "model.safetensors"))
            moved[algorithm, name] = _distance(weights, start)
        assert moved[algorithm, "anchor"] < moved[algorithm, "plain"] / 10


def test_mix_puts_a_share_of_aligning_examples_in_every_step(tmp_path):
    """share 0.25 of batch 4: one aligning example after every four perturbing ones, its
    opposite side a perturbing answer (a reversed pair); too small a pool is refused."""
    from helpers import save_tiny_lm

    from hooke.defences.guards import mix, mixed_share
    from hooke.engines import build_trainer
    from hooke.errors import HookeError
    from hooke.models import load_trainable

    positive, negative = _pools(tmp_path)
    perturb, aligning = pd.read_parquet(negative).head(8), pd.read_parquet(positive)
    stream, opposite = mix(perturb, aligning, aligning, 4, 0.25)
    assert mixed_share(4, 0.25) == 1 and len(stream) == len(opposite) == 10
    assert stream.iloc[4].tolist() == aligning.iloc[0].tolist()
    assert stream.iloc[9].tolist() == aligning.iloc[1].tolist()
    assert stream.iloc[:4].equals(perturb.iloc[:4])
    assert opposite.response.iloc[4] == perturb.response.iloc[0]  # rejected: a perturbing answer
    model, tokenizer = load_trainable(save_tiny_lm(tmp_path / "m"))
    params = {**PARAMS, "beta": 0.1}
    guard = {"defence": "mix", "params": {"share": 0.25}}
    trainer = build_trainer(
        "dpo",
        model,
        tokenizer,
        perturb,
        aligning,
        params,
        tmp_path / "t",
        0,
        [],
        guard=guard,
        aligning=aligning,
    )
    assert trainer.args.per_device_train_batch_size == 5 and len(trainer.train_dataset) == 10
    with pytest.raises(
        HookeError, match="defences.mix: 8 aligning examples needed, the pool holds 3"
    ):
        build_trainer(
            "sft",
            model,
            tokenizer,
            pd.concat([perturb] * 2),
            aligning,
            params,
            tmp_path,
            0,
            [],
            guard={"defence": "mix", "params": {"share": 0.5}},
            aligning=aligning.head(3),
        )


def _planted_runs():
    """Margin curves reference + gain * exp(-x / tau) over 3 seeds (tau jittered by seed),
    per method and attack, with planted bits per byte of the aligned models."""
    import numpy as np

    grid = [0, 8, 16, 32, 64, 96, 128, 192, 256, 400]
    taus = {"sft": 50.0, "slow": 200.0, "slower": 210.0, "frozen": 5000.0, "unaligned": 50.0}
    rows = []
    for method, tau in taus.items():
        for attack, factor in (("sft", 1.0), ("hot", 0.5)):
            for seed, jitter in enumerate((0.98, 1.0, 1.02)):
                gain = -0.2 if method == "unaligned" else 0.5
                for x in grid:
                    margin = 0.1 + gain * np.exp(-x / (tau * factor * jitter))
                    rows.append(
                        {
                            "aligner": method,
                            "algorithm": attack,
                            "seed": seed,
                            "perturbed": x,
                            "margin": margin,
                            "reference": 0.1,
                            "bpb_pretrain": 2.0 + (0.1 if method == "slow" else 0.0),
                            "bpb_aligned": 1.5,
                        }
                    )
    return pd.DataFrame(rows)


def test_a_seeds_interval_of_the_rebound_speed_stops_at_zero():
    from hooke.defences.ranking import speed
    from hooke.stats import cluster_mean

    half_gains = [10.0, 20.0, 300.0]  # spread enough for the t interval to reach below zero
    fits = pd.DataFrame(
        {
            "gain": 0.1,
            "lost": 0.05,
            "fitted": True,
            "censored": False,
            "grid_end": 400.0,
            "half_gain": half_gains,
        }
    )
    t = cluster_mean(half_gains).summary(0.05)
    assert t["ci_low"] < 0
    out = speed(fits, 0.05)
    assert out["ci_low"] == 0.0 and out["ci_high"] == t["ci_high"]
    assert out["half_gain"] == pytest.approx(110.0)
    narrow = speed(fits.assign(half_gain=[100.0, 110.0, 120.0]), 0.05)
    assert 0 < narrow["ci_low"] < 110 < narrow["ci_high"]  # inside (0, inf): as the t gives


def test_the_benchmark_ranks_rebound_speed_with_ties_worst_cases_and_utility():
    import math

    from hooke.defences.ranking import WORST, defences_table

    methods = ["sft", "slow", "slower", "frozen", "unaligned"]
    table, fits = defences_table(_planted_runs(), methods)
    assert len(fits) == 5 * 2 * 3
    row = table.set_index(["method", "attack"])
    for method, tau in (("sft", 50.0), ("slow", 200.0)):
        assert row.loc[(method, "sft"), "half_gain"] == pytest.approx(tau * math.log(2), rel=0.02)
        assert row.loc[(method, "hot"), "half_gain"] == pytest.approx(
            tau * math.log(2) / 2, rel=0.02
        )
        assert row.loc[(method, WORST), "worst_attack"] == "hot"
    sft = row.loc[("sft", "sft")]
    assert sft.ci_from == "seeds" and sft.seeds == 3 and sft.ci_low < sft.half_gain < sft.ci_high
    # never half-way within the grid: counted at the grid's end, and ranked first
    frozen = row.loc[("frozen", "sft")]
    assert frozen.censored == 3 and frozen.half_gain == 400 and frozen["rank"] == 1
    assert frozen.ci_high == math.inf  # a lower bound: open above
    one, _ = defences_table(_planted_runs().query("seed == 0"), methods)
    alone = one.set_index(["method", "attack"]).loc[("frozen", "sft")]
    assert alone.ci_from == "fit" and (alone.ci_low, alone.ci_high) == (400, math.inf)
    assert alone["rank"] == 1  # one censored seed still ranks, on its lower bound
    # slow and slower overlap: one rank, each naming the other; sft is behind both
    assert row.loc[("slow", "sft"), "rank"] == row.loc[("slower", "sft"), "rank"] == 2
    assert row.loc[("slow", "sft"), "tied_with"] == "slower"
    assert row.loc[("sft", "sft"), "rank"] == 4
    assert math.isnan(row.loc[("unaligned", "sft"), "rank"])  # no gain, no rank
    assert row.loc[("slow", "sft"), "d_bpb_pretrain"] == pytest.approx(0.1)
    assert row.loc[("sft", "sft"), "d_bpb_pretrain"] == 0
    assert list(dict.fromkeys(table.attack)) == ["sft", "hot", WORST]  # as they come
    ordered, _ = defences_table(_planted_runs(), methods, attacks=["hot", "sft"])
    assert list(dict.fromkeys(ordered.attack)) == ["hot", "sft", WORST]  # the config's order


def test_attacks_as_a_grid_are_named_and_planned(tmp_path):
    """defences.attack_grid: algorithms x learning rates x LoRA or not, each named after its
    settings beside the named attacks, and each a run of the DAG."""
    import yaml
    from conftest import load_test_config, snakemake

    from hooke.defences import attacks

    grid = {
        "algorithms": ["sft", "dpo"],
        "learning_rates": [0.0005, 0.001],
        "lora": [None, {"r": 8}],
    }
    table = attacks({"attacks": {"sft": {}}, "attack_grid": grid})
    assert len(table) == 1 + 8 and table["sft"] == {}
    assert table["dpo-lr0.001-lora-r8"] == {
        "algorithm": "dpo",
        "learning_rate": 0.001,
        "lora": {"r": 8},
    }
    assert table["sft-lr0.0005-full"] == {"algorithm": "sft", "learning_rate": 0.0005}
    config = load_test_config()
    config["defences"] = {
        "methods": ["sft"],
        "volume": 16,
        "attack_grid": {
            "algorithms": ["sft"],
            "learning_rates": [0.001, 0.002],
            "lora": [None, {"r": 4}],
        },
    }
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(config))
    out = snakemake(tmp_path, "-n", "defences", configfile=path).stdout
    for name in (
        "sft-lr0.001-full",
        "sft-lr0.002-full",
        "sft-lr0.001-lora-r4",
        "sft-lr0.002-lora-r4",
    ):
        assert f"perturbed-16-{name}/metrics.parquet" in out
    assert "perturbed-16-sft/metrics.parquet" in out  # the default attack stays


def test_booster_and_anchor_jobs_run_zero2_where_the_config_asks_for_zero3(capsys):
    from types import SimpleNamespace

    from hooke.script import job_accelerate

    def job(aligner, stage):
        return SimpleNamespace(
            config={"accelerate": {"deepspeed": stage, "precision": "auto"}},
            wildcards={"aligner": aligner, "seed": "0"},
        )

    assert job_accelerate(job("booster", "zero3_offload"))["deepspeed"] == "zero2_offload"
    assert job_accelerate(job("anchor", "zero3"))["deepspeed"] == "zero2"
    assert "booster needs whole weights" in capsys.readouterr().out
    assert job_accelerate(job("vaccine", "zero3"))["deepspeed"] == "zero3"
    assert job_accelerate(job("booster", "zero2")) == {"deepspeed": "zero2", "precision": "auto"}


def test_the_terminal_summary_lists_each_methods_worst_case(tmp_path):
    from hooke.defences.ranking import defences_table
    from hooke.summary import summarise

    table, _ = defences_table(_planted_runs(), ["sft", "slow", "slower", "frozen", "unaligned"])
    (tmp_path / "tables").mkdir()
    table.to_csv(tmp_path / "tables" / "defences.csv", index=False)
    brief = summarise(tmp_path).splitlines()
    (ranked,) = [line for line in brief if line.startswith("Defences (slowest rebound first")]
    assert ranked.split(": ", 1)[1].startswith("#1 frozen, ") and ranked.endswith("— unaligned")
    lines = summarise(tmp_path, full=True).splitlines()
    start = lines.index(
        "Defences benchmark (worst case over attacks; half-gain point: more is slower):"
    )
    worst = lines[start + 1 : start + 6]
    assert worst[0].split()[:4] == ["#1", "frozen", "400.0", "[400.0,"] and "inf]" in worst[0]
    assert "under hot" in worst[1] and "tied with slower" in worst[1]
    assert worst[-1].split()[:2] == ["—", "unaligned"]
