"""Setting II (rebound): align a base on n examples of one pole, then perturb it with examples
of the other pole by SFT or a preference algorithm (TRL), saving a checkpoint at each point of
a grid, and score every checkpoint: task score of its responses to held-out prompts and
token-level KL to the base model."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from hooke.atomic import resumable_dir
from hooke.data import read_split
from hooke.distributed import save_trained
from hooke.errors import HookeError
from hooke.metrics import metrics_table, write_metrics
from hooke.models import load_model, load_tokenizer
from hooke.pretrain import SaveSlices
from hooke.provenance import config_hash
from hooke.runtime import progress
from hooke.scorers.base import extra_metrics, score_responses
from hooke.trainer import (
    checkpointing,
    completion_dataset,
    fail_on_nonfinite,
    loss_rows,
    train_resumably,
)

ALGORITHMS = ("sft", "dpo", "kto", "simpo", "grpo")

# Which pool aligns and which perturbs, per direction.
POOLS = {"positive_first": ("positive", "negative"), "negative_first": ("negative", "positive")}


def checkpoint_dir(run_dir: str | Path, examples: int) -> Path:
    """Where the checkpoint after `examples` perturbation examples lives."""
    return Path(run_dir) / f"examples-{int(examples)}"


def grid_steps(grid: Sequence[int], batch_size: int) -> dict[int, int]:
    """Optimizer step at which each grid point (examples seen) is reached: {step: examples}.
    Points that are not multiples of the batch size are refused."""
    steps = {}
    for examples in sorted(set(grid)):
        if examples % batch_size:
            raise HookeError(
                f"config key 'rebound.grid': {examples} is not a multiple of "
                f"rebound.perturb.batch_size ({batch_size})"
            )
        if examples:
            steps[examples // batch_size] = examples
    return steps


def align(
    base_dir,
    pool_path: str | Path,
    n: int,
    out_dir,
    params: Mapping[str, Any],
    meta: Mapping[str, Any],
    trust_remote_code=False,
    lora=None,
) -> None:
    """SFT of the base on the first `n` examples of the aligning pool."""
    from hooke.train import _finetune, load_trainable, pairs_dataset

    model, tokenizer = load_trainable(base_dir, trust_remote_code, lora)
    data = pairs_dataset(pool_path, tokenizer, n, params["max_length"], "rebound.volumes")
    with resumable_dir(out_dir, config_hash({**params, **meta, "n": n})) as work:
        records = _finetune(
            model,
            tokenizer,
            data,
            params,
            work / "trainer",
            [],
            meta["seed"],
            epochs=params["epochs"],
            resumable=True,
        )
        save_trained(model, tokenizer, work / "model")
        write_metrics(
            metrics_table(loss_rows(records), algorithm="sft", **meta), work / "metrics.parquet"
        )
        _drop(work / "trainer")


def preference_pairs(perturb: pd.DataFrame, opposite: pd.DataFrame) -> pd.DataFrame:
    """Pairs for DPO-style training toward the perturbing pole: the perturbing review's prompt
    and its own continuation as `chosen`, the same-index continuation of the opposite pool as
    `rejected` (the pools hold different reviews, so no prompt has both; what the pair teaches
    is the pole, not the topic)."""
    n = min(len(perturb), len(opposite))
    return pd.DataFrame(
        {
            "prompt": perturb["prompt"].iloc[:n].tolist(),
            "chosen": [" " + r for r in perturb["response"].iloc[:n]],
            "rejected": [" " + r for r in opposite["response"].iloc[:n]],
        }
    )


def unpaired_feedback(perturb: pd.DataFrame, opposite: pd.DataFrame) -> pd.DataFrame:
    """KTO's unpaired examples: each perturbing continuation desirable (label True), as many
    continuations of the opposite pool undesirable (False), interleaved."""
    n = min(len(perturb), len(opposite))
    rows = []
    for i in range(n):
        rows.append((perturb["prompt"].iloc[i], " " + perturb["response"].iloc[i], True))
        rows.append((opposite["prompt"].iloc[i], " " + opposite["response"].iloc[i], False))
    return pd.DataFrame(rows, columns=["prompt", "completion", "label"])


def _trainer(
    algorithm: str,
    model,
    tokenizer,
    perturb,
    opposite,
    params,
    out: Path,
    seed: int,
    callbacks: list,
    reward=None,
):
    """The engine for one perturbation algorithm: HF Trainer for SFT, TRL for the rest."""
    from datasets import Dataset

    from hooke.trainer import SFT_SAMPLING, collator, training_arguments

    common = dict(
        **checkpointing(),
        per_device_train_batch_size=params["batch_size"],
        learning_rate=params["learning_rate"],
        lr_scheduler_type="constant",
        num_train_epochs=1,
        seed=seed,
        data_seed=seed,
    )
    if algorithm == "sft":
        from transformers import Trainer

        data = completion_dataset(
            perturb["prompt"].tolist(),
            perturb["response"].tolist(),
            tokenizer,
            params["max_length"],
        )
        return Trainer(
            model=model,
            args=training_arguments(out, train_sampling_strategy=SFT_SAMPLING, **common),
            train_dataset=data,
            data_collator=collator(tokenizer),
            callbacks=callbacks,
        )
    if algorithm == "dpo":
        from trl import DPOConfig, DPOTrainer

        args = training_arguments(
            out,
            config_class=DPOConfig,
            beta=params["beta"],
            max_length=params["max_length"],
            include_num_input_tokens_seen="no",
            **common,
        )
        data = Dataset.from_pandas(preference_pairs(perturb, opposite), preserve_index=False)
        return DPOTrainer(
            model=model,
            args=args,
            train_dataset=data,
            processing_class=tokenizer,
            callbacks=callbacks,
        )
    if algorithm == "kto":
        from trl import KTOConfig, KTOTrainer

        # Each perturbing example comes with one opposite (undesirable) one: batches twice
        # as large keep the grid's "perturbing examples seen" per step (on average).
        kto = {**common, "per_device_train_batch_size": 2 * params["batch_size"]}
        args = training_arguments(
            out,
            config_class=KTOConfig,
            beta=params["beta"],
            max_length=params["max_length"],
            include_num_input_tokens_seen="no",
            **kto,
        )
        data = Dataset.from_pandas(unpaired_feedback(perturb, opposite), preserve_index=False)
        return KTOTrainer(
            model=model,
            args=args,
            train_dataset=data,
            processing_class=tokenizer,
            callbacks=callbacks,
        )
    if algorithm == "simpo":
        # SimPO is CPO's loss with a length-normalised reward and no reference model; TRL
        # keeps it among its experimental trainers.
        from trl.experimental.cpo import CPOConfig, CPOTrainer

        args = training_arguments(
            out,
            config_class=CPOConfig,
            loss_type="simpo",
            cpo_alpha=0.0,
            beta=params["beta"],
            max_length=params["max_length"],
            include_num_input_tokens_seen="no",
            **common,
        )
        data = Dataset.from_pandas(preference_pairs(perturb, opposite), preserve_index=False)
        return CPOTrainer(
            model=model,
            args=args,
            train_dataset=data,
            processing_class=tokenizer,
            callbacks=callbacks,
        )
    if algorithm == "grpo":
        return _grpo_trainer(model, tokenizer, perturb, params, out, common, callbacks, reward)
    raise HookeError(f"rebound algorithm '{algorithm}' is unknown (known: {', '.join(ALGORITHMS)})")


def pole_reward(scorer, toward_desirable: bool):
    """GRPO's reward: the task scorer's P(desirable) of a completion when the perturbation
    pushes toward the desirable pole, 1 - P when it pushes away from it (the usual case)."""

    def reward(prompts, completions, **_):
        probs = score_responses(scorer, list(prompts), [str(c).strip() for c in completions])
        return (probs if toward_desirable else 1.0 - probs).tolist()

    reward.__name__ = "desirable" if toward_desirable else "undesirable"
    return reward


def _grpo_trainer(model, tokenizer, perturb, params, out, common, callbacks, reward):
    """Online RL (GRPO, TRL) on the perturbing pool's prompts with the task scorer as reward:
    the paper's PPO ablation in today's TRL. A step takes `batch_size` prompts, each answered
    `num_generations` times, so the grid still counts perturbing prompts seen."""
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    from hooke.trainer import training_arguments

    if reward is None:
        raise HookeError("rebound algorithm 'grpo' needs the task's scorer as its reward")
    generations = params.get("num_generations", 4)
    grpo = {**common, "per_device_train_batch_size": params["batch_size"] * generations}
    args = training_arguments(
        out,
        config_class=GRPOConfig,
        num_generations=generations,
        max_completion_length=params.get("max_completion_length", 32),
        beta=params["beta"],
        temperature=1.0,
        shuffle_dataset=False,
        include_num_input_tokens_seen="no",
        **grpo,
    )
    data = Dataset.from_dict({"prompt": perturb["prompt"].tolist()})
    return GRPOTrainer(
        model=model,
        reward_funcs=[reward],
        args=args,
        train_dataset=data,
        processing_class=tokenizer,
        callbacks=callbacks,
    )


def perturb(
    aligned_dir,
    perturb_path,
    opposite_path,
    out_dir,
    algorithm: str,
    grid: Sequence[int],
    params: Mapping[str, Any],
    meta: Mapping[str, Any],
    trust_remote_code=False,
    lora=None,
    scorer_dir=None,
) -> None:
    """Fine-tune the aligned model on the perturbing pool, one pass over max(grid) examples,
    saving a checkpoint at every grid point. GRPO's reward is the scorer in `scorer_dir`."""
    from hooke.train import load_trainable

    model, tokenizer = load_trainable(aligned_dir, trust_remote_code, lora)
    steps = grid_steps(grid, params["batch_size"])
    total = max(grid)
    pool = read_split(perturb_path, ["prompt", "response"])
    if len(pool) < total:
        raise HookeError(f"{perturb_path}: {len(pool)} examples, rebound.grid needs {total}")
    opposite = read_split(opposite_path, ["prompt", "response"])
    fingerprint = config_hash({**params, **meta, "grid": sorted(grid), "algorithm": algorithm})
    with resumable_dir(out_dir, fingerprint) as work:
        saver = SaveSlices({s: checkpoint_dir(work, m) for s, m in steps.items()}, tokenizer)
        trainer = _trainer(
            algorithm,
            model,
            tokenizer,
            pool.head(total),
            opposite,
            params,
            work / "trainer",
            meta["seed"],
            [fail_on_nonfinite(), saver.callback],
            reward=_reward(scorer_dir, meta),
        )
        records = train_resumably(trainer, work / "trainer")
        write_metrics(
            metrics_table(loss_rows(records), algorithm=algorithm, **meta), work / "metrics.parquet"
        )
        _drop(work / "trainer")


def _reward(scorer_dir, meta: Mapping[str, Any]):
    """GRPO's reward from the task scorer, toward the perturbing pole of the run's direction."""
    if not scorer_dir:
        return None
    from hooke.scorers import load_scorer

    return pole_reward(load_scorer(scorer_dir), meta["direction"] == "negative_first")


def _drop(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def evaluate(
    model, base, tokenizer, prompts: list[str], scorer, params: Mapping[str, Any], seed: int
) -> dict[str, float]:
    """Task score of `model`'s responses to `prompts`, and KL(model || base) per token along
    those responses (exact over the vocabulary at each position)."""
    from hooke.generate import generate_responses
    from hooke.measures import example_kl

    tokenizer.padding_side = "left"
    responses = generate_responses(model, tokenizer, prompts, params, seed)
    tokenizer.padding_side = "right"
    probs = score_responses(scorer, prompts, responses["response"].tolist())
    data = completion_dataset(
        prompts, responses["response"].tolist(), tokenizer, params["max_length"]
    )
    kl = example_kl(model, base, tokenizer, data).mean() if base is not None else 0.0
    return {
        "mean_p_positive": float(probs.mean()),
        "positive_share": float((probs >= params["threshold"]).mean()),
        **extra_metrics(scorer, probs),
        "kl_to_base": kl,
        "response_tokens": float(responses["n_tokens"].mean()),
    }


def compression_texts(paths: Mapping[str, str | Path], n: int) -> dict[str, list[str]]:
    """Fixed samples of the pre-training text (D_p), the aligning data (D_a) and the
    perturbing data (D_t), whose compression rates the checkpoints are measured on."""
    pretrain = read_split(paths["pretrain"], ["text"])["text"].head(n).tolist()
    pairs = {
        name: read_split(paths[name], ["prompt", "response"]).head(n)
        for name in ("aligned", "perturbing")
    }
    return {
        "pretrain": pretrain,
        **{name: (f.prompt + " " + f.response).tolist() for name, f in pairs.items()},
    }


def score_grid(
    base_dir,
    aligned_dir,
    run_dir,
    prompts_path,
    scorer_dir,
    out_path,
    grid: Sequence[int],
    params: Mapping[str, Any],
    meta: Mapping[str, Any],
    direction: str,
    data: Mapping[str, str | Path],
    pretrain_tokens: int | None,
    trust_remote_code=False,
) -> pd.DataFrame:
    """Evaluate the aligned model (grid point 0) and every perturbation checkpoint: task score,
    KL to the base, and bits per byte on D_p, D_a and D_t (the paper's compression rates)."""
    from hooke.measures import bits_per_byte
    from hooke.scorers import load_scorer

    scorer = load_scorer(scorer_dir)
    base = load_model(base_dir, trust_remote_code)
    tokenizer = load_tokenizer(aligned_dir, trust_remote_code)
    prompts = read_split(prompts_path, ["prompt"])["prompt"].head(params["prompts"]).tolist()
    samples = compression_texts(data, params["compression_texts"])
    aligned = read_split(data["aligned"], ["prompt", "response"]).head(meta["n"])
    sizes = {
        "aligned_tokens": float(
            sum(
                len(ids)
                for ids in tokenizer((aligned.prompt + " " + aligned.response).tolist())[
                    "input_ids"
                ]
            )
        )
    }
    if pretrain_tokens:
        sizes["pretrain_tokens"] = float(pretrain_tokens)
    rows = [
        {"step": 0, **_volumes(direction, meta["n"], 0), "metric": k, "value": v}
        for k, v in sizes.items()
    ]
    for examples in progress(sorted(set(grid) | {0}), desc="checkpoints", unit="ckpt"):
        path = aligned_dir if examples == 0 else checkpoint_dir(run_dir, examples)
        model = load_model(path, trust_remote_code)
        figures = evaluate(model, base, tokenizer, prompts, scorer, params, meta["seed"])
        for name, texts in samples.items():
            per_byte, per_token = bits_per_byte(model, tokenizer, texts, params["max_length"])
            figures[f"bpb_{name}"], figures[f"bpt_{name}"] = per_byte, per_token
        volumes = _volumes(direction, meta["n"], examples)
        rows += [
            {"step": examples, **volumes, "metric": name, "value": value}
            for name, value in figures.items()
        ]
    meta = {k: v for k, v in meta.items() if k != "n"}
    write_metrics(metrics_table(rows, direction=direction, **meta), out_path)
    return pd.DataFrame(rows)


def _volumes(direction: str, aligned: int, perturbed: int) -> dict[str, int]:
    if direction == "positive_first":
        return {"n_pos": aligned, "n_neg": perturbed}
    return {"n_pos": perturbed, "n_neg": aligned}


def score_base(
    base_dir,
    prompts_path,
    scorer_dir,
    out_path,
    params,
    meta,
    trust_remote_code=False,
    pretrain_tokens: int | None = None,
) -> dict[str, float]:
    """The base model's task score, the reference line of the rebound curves, and its place
    on Setting III's axes: parameter count (counted) and pre-training tokens (the base's tag)."""
    from hooke.scorers import load_scorer

    model = load_model(base_dir, trust_remote_code)
    tokenizer = load_tokenizer(base_dir, trust_remote_code)
    prompts = read_split(prompts_path, ["prompt"])["prompt"].head(params["prompts"]).tolist()
    figures = evaluate(
        model, None, tokenizer, prompts, load_scorer(scorer_dir), params, meta["seed"]
    )
    figures.pop("kl_to_base")
    figures["model_params"] = float(sum(p.numel() for p in model.parameters()))
    if pretrain_tokens:
        figures["pretrain_tokens"] = float(pretrain_tokens)
    rows = [
        {"step": 0, "n_pos": 0, "n_neg": 0, "metric": k, "value": v} for k, v in figures.items()
    ]
    write_metrics(metrics_table(rows, **meta), out_path)
    return figures


def crossing(points: Sequence[tuple[float, float]], epsilon: float) -> float:
    """The first x at which y falls under `epsilon`, linearly interpolated between grid
    points; NaN when it never does."""
    points = sorted(points)
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if y0 < epsilon:
            return x0
        if y1 < epsilon:
            return x0 + (y0 - epsilon) * (x1 - x0) / (y0 - y1)
    if points and points[-1][1] < epsilon and len(points) == 1:
        return points[0][0]
    return math.nan
