"""The fine-tuning engines a rebound run can be moved by, as one table: per algorithm, the
trainer class (HF Trainer for SFT, TRL for the rest), its arguments class and the extra
arguments it takes, how its data set is built from the pools, and how many rows a step takes
per perturbing example. A new algorithm is a new row, not a new branch."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from hooke import templates
from hooke.errors import HookeError
from hooke.scorers.base import score_responses


def preference_pairs(perturb: pd.DataFrame, opposite: pd.DataFrame, tokenizer) -> pd.DataFrame:
    """Pairs for DPO-style training toward the perturbing pole: the perturbing review's prompt
    and its own continuation as `chosen`, the same-index answer of `opposite` as `rejected`:
    with rebound.perturb.pairs `pools` the opposite pool's continuation of another review
    (the pair also teaches topic mismatch), with `own_samples` the starting model's own
    answer to the same prompt (hooke.rebound.own_samples)."""
    n = min(len(perturb), len(opposite))
    return pd.DataFrame(
        {
            "prompt": templates.prompts(perturb["prompt"].iloc[:n].tolist(), tokenizer),
            "chosen": templates.responses(perturb["response"].iloc[:n].tolist()),
            "rejected": templates.responses(opposite["response"].iloc[:n].tolist()),
        }
    )


def unpaired_feedback(perturb: pd.DataFrame, opposite: pd.DataFrame, tokenizer) -> pd.DataFrame:
    """KTO's unpaired examples: each perturbing continuation desirable (label True), as many
    continuations of the opposite pool undesirable (False), interleaved."""
    n = min(len(perturb), len(opposite))
    rows = []
    for pool, label in ((perturb, True), (opposite, False)):
        texts = templates.prompts(pool["prompt"].iloc[:n].tolist(), tokenizer)
        answers = templates.responses(pool["response"].iloc[:n].tolist())
        rows.append([(p, r, label) for p, r in zip(texts, answers, strict=True)])
    interleaved = [row for pair in zip(*rows, strict=True) for row in pair]
    return pd.DataFrame(interleaved, columns=["prompt", "completion", "label"])


def pole_reward(scorer, toward_desirable: bool):
    """GRPO's reward: the task scorer's P(desirable) of a completion when the perturbation
    pushes toward the desirable pole, 1 - P when it pushes away from it (the usual case)."""

    def reward(prompts, completions, **_):
        probs = score_responses(scorer, list(prompts), [str(c).strip() for c in completions])
        return (probs if toward_desirable else 1.0 - probs).tolist()

    reward.__name__ = "desirable" if toward_desirable else "undesirable"
    return reward


# Data builders: (perturbing frame, opposite frame, tokenizer, params) -> a datasets.Dataset.
def _completions(perturb, opposite, tokenizer, params):
    from hooke.trainer import completion_dataset

    return completion_dataset(
        perturb["prompt"].tolist(), perturb["response"].tolist(), tokenizer, params["max_length"]
    )


def _frame(build):
    def data(perturb, opposite, tokenizer, params):
        from datasets import Dataset

        return Dataset.from_pandas(build(perturb, opposite, tokenizer), preserve_index=False)

    return data


def _prompts(perturb, opposite, tokenizer, params):
    from datasets import Dataset

    return Dataset.from_dict({"prompt": templates.prompts(perturb["prompt"].tolist(), tokenizer)})


# Arguments beyond the shared ones, per engine (params: the config's perturb section).
def _preference_arguments(params):
    return {
        "beta": params["beta"],
        "max_length": params["max_length"],
        "include_num_input_tokens_seen": "no",
    }


def _simpo_arguments(params):
    # SimPO is CPO's loss with a length-normalised reward and no reference model.
    return {"loss_type": "simpo", "cpo_alpha": 0.0, **_preference_arguments(params)}


def _grpo_arguments(params):
    return {
        "num_generations": params.get("num_generations", 4),
        "max_completion_length": params.get("max_completion_length", 32),
        "beta": params["beta"],
        "temperature": 1.0,
        "shuffle_dataset": False,
        "include_num_input_tokens_seen": "no",
    }


def _distill_arguments(params):
    # On the perturbing texts as they are (no on-policy sampling: lmbda 0), forward KL from
    # the teacher's next-token distribution to the model's (beta 0), at temperature 1: at
    # the teacher's own weights the gradient is exactly zero.
    return {
        "lmbda": 0.0,
        "beta": 0.0,
        "temperature": 1.0,
        "max_length": params["max_length"],
        "include_num_input_tokens_seen": "no",
    }


@dataclass(frozen=True)
class Engine:
    """One fine-tuning algorithm: classes named "module:Class" (imported only when used)."""

    trainer: str
    data: Callable[..., Any]
    config: str = "transformers:TrainingArguments"
    arguments: Callable[[Mapping[str, Any]], dict] = field(default=lambda params: {})
    # Rows per optimizer step for each perturbing example: KTO pairs each with one opposite
    # example, GRPO samples `num_generations` completions per prompt; the grid still counts
    # perturbing examples seen.
    rows_per_example: Callable[[Mapping[str, Any]], int] = field(default=lambda params: 1)
    needs_reward: bool = False
    # Distils toward a teacher model's next-token distributions (the controls' engine).
    needs_teacher: bool = False
    # Contrasts each perturbing example with an opposite answer (DPO, KTO, SimPO): the
    # engines whose `opposite` frame rebound.perturb.pairs chooses.
    contrastive: bool = False
    # The HF Trainer pads completions with hooke's collator; TRL's trainers tokenise and pad
    # through their processing class.
    collated: bool = False


ENGINES: dict[str, Engine] = {
    "sft": Engine("transformers:Trainer", _completions, collated=True),
    "dpo": Engine(
        "trl:DPOTrainer",
        _frame(preference_pairs),
        config="trl:DPOConfig",
        arguments=_preference_arguments,
        contrastive=True,
    ),
    "kto": Engine(
        "trl:KTOTrainer",
        _frame(unpaired_feedback),
        config="trl:KTOConfig",
        arguments=_preference_arguments,
        rows_per_example=lambda params: 2,
        contrastive=True,
    ),
    # TRL keeps CPO (and so SimPO) among its experimental trainers.
    "simpo": Engine(
        "trl.experimental.cpo:CPOTrainer",
        _frame(preference_pairs),
        config="trl.experimental.cpo:CPOConfig",
        arguments=_simpo_arguments,
        contrastive=True,
    ),
    # Online RL with the task scorer as reward: the paper's PPO ablation in today's TRL.
    "grpo": Engine(
        "trl:GRPOTrainer",
        _prompts,
        config="trl:GRPOConfig",
        arguments=_grpo_arguments,
        rows_per_example=lambda params: params.get("num_generations", 4),
        needs_reward=True,
    ),
    # The controls of the apparatus (rebound.controls: distill): knowledge distillation
    # toward a teacher — the base (a pull whose fixed point is the base) or the model's own
    # start (a fixed point from the first step) — through the same trainer settings; the KL
    # in float64 and a batch already at its teacher given no gradient, so that a fixed point
    # stays one under Adam (hooke.distill).
    "distill": Engine(
        "hooke.distill:ExactGKDTrainer",
        _completions,
        config="trl.experimental.gkd:GKDConfig",
        arguments=_distill_arguments,
        collated=True,
        needs_teacher=True,
    ),
}
ALGORITHMS = tuple(ENGINES)
# The engines a config names under rebound.algorithms and the aligners: every engine but the
# controls' (distill: what rebound.controls runs, never a perturbation of the paper's).
PERTURBING = tuple(name for name, row in ENGINES.items() if not row.needs_teacher)


def _load(name: str):
    module, attribute = name.split(":")
    return getattr(importlib.import_module(module), attribute)


def engine(algorithm: str) -> Engine:
    """The table's row for `algorithm`, or a one-line error naming the known ones."""
    if algorithm not in ENGINES:
        raise HookeError(
            f"rebound algorithm '{algorithm}' is unknown (known: {', '.join(ALGORITHMS)})"
        )
    return ENGINES[algorithm]


def build_trainer(
    algorithm: str,
    model,
    tokenizer,
    perturb: pd.DataFrame,
    opposite: pd.DataFrame,
    params: Mapping[str, Any],
    out: Path,
    seed: int,
    callbacks: list,
    reward=None,
    guard: Mapping[str, Any] | None = None,
    aligning: pd.DataFrame | None = None,
    teacher=None,
):
    """The trainer that moves `model` toward the `perturb` pool with `algorithm`, one pass in
    the pool's order at a constant learning rate after an optional warm-up, resumable
    (checkpoints in `out`).
    A fine-tuning-stage defence (`guard`, hooke.defences.guards) anchors the trainer or mixes
    the `aligning` pool into the stream; a distilling engine pulls toward `teacher`."""
    from hooke.defences.guards import anchored, guard_settings, mix, mixed_share
    from hooke.trainer import burn_in, checkpointing, collator, training_arguments

    row = engine(algorithm)
    if row.needs_reward and reward is None:
        raise HookeError(f"rebound algorithm '{algorithm}' needs the task's scorer as its reward")
    if row.needs_teacher and teacher is None:
        raise HookeError(f"rebound algorithm '{algorithm}' needs a teacher model")
    trainer_class, batch = _load(row.trainer), params["batch_size"]
    name, settings = guard_settings(guard)
    if name == "anchor":
        trainer_class = anchored(trainer_class, settings["alpha"])
    elif name == "mix":
        if row.needs_reward:
            raise HookeError(f"defences.mix: rebound algorithm '{algorithm}' takes no pool")
        perturb, opposite = mix(perturb, opposite, aligning, batch, settings["share"])
        batch += mixed_share(batch, settings["share"])
    args = training_arguments(
        out,
        config_class=_load(row.config),
        **checkpointing(),
        per_device_train_batch_size=batch * row.rows_per_example(params),
        learning_rate=params["learning_rate"],
        # a short linear warm-up (rebound.perturb.warmup_steps) keeps a fresh Adam's first
        # steps, which move a model more than later ones, from passing for a rebound
        lr_scheduler_type="constant_with_warmup" if params.get("warmup_steps") else "constant",
        warmup_steps=params.get("warmup_steps", 0),
        num_train_epochs=params.get("epochs", 1),
        seed=seed,
        data_seed=seed,
        # the perturbing examples in the order of the run's draw (hooke.splits.drawn), for
        # every engine: grid point x is the first x examples, whatever their length
        train_sampling_strategy="sequential",
        # bench/transient.py's variant: an epsilon that makes Adam's first steps gradient-sized
        **({"adam_epsilon": params["adam_epsilon"]} if "adam_epsilon" in params else {}),
        **row.arguments(params),
    )
    inputs: dict[str, Any] = (
        {"data_collator": collator(tokenizer)} if row.collated else {"processing_class": tokenizer}
    )
    if row.needs_reward:
        inputs["reward_funcs"] = [reward]
    if row.needs_teacher:
        inputs["teacher_model"] = teacher
    if params.get("burn_in_steps"):  # first: the schedule is set before anything reads it
        callbacks = [burn_in(params["burn_in_steps"]), *callbacks]
    return trainer_class(
        model=model,
        args=args,
        train_dataset=row.data(perturb, opposite, tokenizer, params),
        callbacks=callbacks,
        **inputs,
    )
