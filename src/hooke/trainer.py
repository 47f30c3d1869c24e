"""Shared pieces for every HF `Trainer` run: arguments set explicitly for the device, loss
recording, a fast failure on a non-finite loss, completion-only SFT data, checkpoints saved
at chosen steps, and the plain fine-tuning entry every SFT-shaped stage uses."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hooke import templates
from hooke.distributed import save_trained
from hooke.errors import HookeError
from hooke.runtime import PROGRESS, REPORT_TO
from hooke.splits import drawn, read_split

# Completion batches are padded to their longest member; grouping examples of similar length
# cut the padding share from 13% to 1% and made the stage faster than a bare loop (bench/).
SFT_SAMPLING = "group_by_length"


def training_arguments(output_dir: str | Path, config_class=None, **overrides: Any):
    """TrainingArguments (or a TRL config class) with precision, checkpointing and logging
    set explicitly, never left to defaults that differ between libraries and releases (TRL
    turns bf16 and gradient checkpointing on; ~8x slower on a CPU): fp32 on CPU, a log a step.
    `per_device_train_batch_size` is read as the global batch: it is split over the processes
    and into accumulation steps (config `accelerate`), so results do not depend on GPU count."""
    import torch
    from transformers import TrainingArguments

    from hooke import distributed

    config_class = config_class or TrainingArguments
    on_gpu = torch.cuda.is_available()
    defaults = dict(
        output_dir=str(output_dir),
        num_train_epochs=1,
        logging_steps=1,
        logging_strategy="steps",
        save_strategy="no",
        report_to=list(REPORT_TO) or "none",
        **distributed.precision_flags(on_gpu, on_gpu and torch.cuda.is_bf16_supported()),
        gradient_checkpointing=bool(distributed.SETTINGS["gradient_checkpointing"]),
        dataloader_num_workers=0,
        use_cpu=not on_gpu,
        optim="adamw_torch",
        include_num_input_tokens_seen="non_padding",
        disable_tqdm=not PROGRESS[0],
        # HF's default replaces NaN/inf losses in the logs by a running mean: that would hide
        # a diverged run from fail_on_nonfinite.
        logging_nan_inf_filter=False,
        log_level="warning",
        **distributed.distributed_arguments(),
    )
    defaults.update(overrides)
    if "per_device_train_batch_size" in overrides:
        per_device, accumulation = distributed.batch_plan(
            int(overrides["per_device_train_batch_size"]),
            distributed.world_size(),
            distributed.SETTINGS["micro_batch_size"],
        )
        defaults.update(
            per_device_train_batch_size=per_device, gradient_accumulation_steps=accumulation
        )
    return config_class(**defaults)


def history_records(log_history: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """(step, loss, tokens seen) from a Trainer's log history, which a checkpoint carries
    across a resume (a callback's records would lose the steps before the kill)."""
    return [
        {
            "step": int(h["step"]),
            "loss": float(h["loss"]),
            "tokens_seen": int(h.get("num_input_tokens_seen", 0)),
        }
        for h in log_history
        if "loss" in h
    ]


def checkpointing(every: int | None = None) -> dict[str, Any]:
    """TrainingArguments for a resumable run: a checkpoint every `every` steps (default: the
    job's `checkpoint_every`), only the last kept."""
    from hooke.runtime import CHECKPOINT_EVERY

    return {
        "save_strategy": "steps",
        "save_steps": every or CHECKPOINT_EVERY[0],
        "save_total_limit": 1,
    }


def train_resumably(trainer, output_dir: str | Path) -> list[dict[str, Any]]:
    """Train, resuming from the newest complete checkpoint in `output_dir` if a killed run
    left one; returns the whole run's (step, loss, tokens) records."""
    resume = last_checkpoint(output_dir)
    if resume:
        print(f"resuming from {resume}")
    trainer.train(resume_from_checkpoint=resume)
    if getattr(trainer, "is_deepspeed_enabled", False):
        zero = trainer.model_wrapped.zero_optimization_stage()
        print(f"trained by {type(trainer.model_wrapped).__name__}, ZeRO stage {zero}")
    return history_records(trainer.state.log_history)


def last_checkpoint(output_dir: str | Path) -> str | None:
    """The newest complete checkpoint a killed run left in `output_dir`, if any. HF writes a
    checkpoint in place and its trainer_state.json last, so a checkpoint whose state file does
    not parse was cut off mid-save: it is removed, and the one before it is used."""
    import json
    import shutil

    folders = sorted(
        Path(output_dir).glob("checkpoint-*"),
        key=lambda p: int(p.name.split("-")[-1]),
        reverse=True,
    )
    for folder in folders:
        try:
            json.loads((folder / "trainer_state.json").read_text())
            return str(folder)
        except (OSError, ValueError):
            shutil.rmtree(folder, ignore_errors=True)
    return None


def fail_on_nonfinite():
    """A callback that stops a run at the first NaN or infinite loss, naming the step."""
    from transformers import TrainerCallback

    class _Callback(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            loss = (logs or {}).get("loss")
            if loss is not None and not math.isfinite(loss):
                raise HookeError(f"training loss became {loss} at step {state.global_step}")

    return _Callback()


def burn_in(steps: int):
    """A callback that runs a trainer's first `steps` optimizer steps at learning rate 0 (the
    schedule after them shifted by as many steps): Adam's moments fill on real batches while
    the model stays where it is, so that a fresh optimizer's first, outsized steps (every
    parameter moved by about the learning rate, whatever its gradient) are not where a
    perturbation is read."""
    from transformers import TrainerCallback

    class _Callback(TrainerCallback):
        def on_train_begin(self, args, state, control, lr_scheduler=None, optimizer=None, **_):
            schedule = getattr(lr_scheduler, "scheduler", lr_scheduler)  # accelerate's wrapper
            schedule.lr_lambdas = [
                (lambda step, f=f: 0.0 if step < steps else f(step - steps))
                for f in schedule.lr_lambdas
            ]
            groups = optimizer.param_groups
            for group, base, rate in zip(
                groups, schedule.base_lrs, schedule.lr_lambdas, strict=True
            ):
                group["lr"] = base * rate(schedule.last_epoch)

    return _Callback()


def completion_dataset(prompts: list[str], responses: list[str], tokenizer, max_length: int):
    """Tokenised prompt + response + </s> (laid out by the job's template), with the loss on
    the response only (prompt labels set to -100), truncated to `max_length` tokens."""
    from datasets import Dataset

    prompt_ids = tokenizer(templates.prompts(prompts, tokenizer))["input_ids"]
    response_ids = tokenizer(templates.responses(responses), add_special_tokens=False)["input_ids"]
    rows: dict[str, list[list[int]]] = {"input_ids": [], "attention_mask": [], "labels": []}
    for p, r in zip(prompt_ids, response_ids, strict=True):
        ids = (p + r + [tokenizer.eos_token_id])[:max_length]
        labels = ([-100] * len(p) + r + [tokenizer.eos_token_id])[:max_length]
        rows["input_ids"].append(ids)
        rows["attention_mask"].append([1] * len(ids))
        rows["labels"].append(labels)
    return Dataset.from_dict(_with_targets(rows, max_length))


def token_dataset(prompt_ids: list[list[int]], response_ids: list[list[int]], max_length: int):
    """Completion-only SFT data from token ids as they are (no re-tokenisation, no end-of-text
    added: a response ends with </s> only if its generator emitted it), truncated."""
    from datasets import Dataset

    rows: dict[str, list[list[int]]] = {"input_ids": [], "attention_mask": [], "labels": []}
    for p, r in zip(prompt_ids, response_ids, strict=True):
        ids = (list(p) + list(r))[:max_length]
        rows["input_ids"].append(ids)
        rows["attention_mask"].append([1] * len(ids))
        rows["labels"].append(([-100] * len(p) + list(r))[:max_length])
    return Dataset.from_dict(_with_targets(rows, max_length))


def _with_targets(rows: dict[str, list], max_length: int) -> dict[str, list]:
    """Drop the examples that truncation left without a response token: they add no loss
    and must not be counted as training examples."""
    keep = [any(label != -100 for label in labels) for labels in rows["labels"]]
    if all(keep):
        return rows
    if keep and not any(keep):  # one line, not an empty data set's traceback mid-training
        raise HookeError(
            f"every one of {len(keep)} examples is all prompt at max_length {max_length} "
            "tokens: raise the stage's max_length (a template's prompt is longer than a bare one)"
        )
    print(
        f"dropped {keep.count(False)} of {len(keep)} examples left with no response token "
        f"after truncation to {max_length} tokens"
    )
    return {
        name: [v for v, k in zip(values, keep, strict=True) if k] for name, values in rows.items()
    }


def first_pairs(path: str | Path, n: int | None, key: str, seed: int | None = None):
    """The first `n` (prompt, response) pairs of a split (None: all) in the order of the
    draw of `seed` (hooke.splits.drawn; None: the split's own order), as a frame; fails
    naming the config `key` when the split holds fewer."""
    frame = drawn(read_split(path, ["prompt", "response"]), seed, Path(path).stem)
    n = len(frame) if n is None else n
    if len(frame) < n:
        raise HookeError(f"{path}: {len(frame)} examples, but {key} asks for {n}")
    return frame.head(n)


def pairs_dataset(path: str | Path, tokenizer, n: int | None, max_length: int, key: str, seed=None):
    """`first_pairs` as completion-only SFT data."""
    frame = first_pairs(path, n, key, seed)
    return completion_dataset(
        frame["prompt"].tolist(), frame["response"].tolist(), tokenizer, max_length
    )


def collator(tokenizer):
    """Pads inputs with the pad token and labels with -100 (ignored by the loss)."""
    from transformers import DataCollatorForSeq2Seq

    return DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100)


def train_steps(n_examples: int, batch_size: int, epochs: int) -> int:
    """Optimizer steps for `epochs` passes over `n_examples` (last batch may be short)."""
    return math.ceil(n_examples / batch_size) * epochs


def loss_rows(records: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Recorder entries as metrics rows."""
    return [
        {
            "step": r["step"],
            "tokens_seen": r["tokens_seen"],
            "metric": "train_loss",
            "value": r["loss"],
        }
        for r in records
    ]


class SaveSlices:
    """A TrainerCallback that saves the model when the step count reaches a slice's budget
    (pre-training slices, SFT slices, perturbation checkpoints)."""

    def __init__(self, steps_to_dirs: Mapping[int, Path], tokenizer):
        from transformers import TrainerCallback

        outer = self

        class _Callback(TrainerCallback):
            def on_step_end(self, args, state, control, model=None, **kwargs):
                target = outer.steps_to_dirs.get(state.global_step)
                if target is not None:
                    save_trained(model, outer.tokenizer, target)

        self.steps_to_dirs = dict(steps_to_dirs)
        self.tokenizer = tokenizer
        self.callback = _Callback()


def finetune(
    model,
    tokenizer,
    dataset,
    params: Mapping[str, Any],
    output_dir: Path,
    callbacks: list,
    seed: int,
    epochs: int = 1,
    resumable: bool = False,
    trainer_class=None,
    **trainer_kwargs: Any,
) -> list[dict[str, Any]]:
    """Fine-tune on completion data; returns the (step, loss, tokens) records. A resumable run
    checkpoints into `output_dir` and resumes from what a killed run left there. A defence
    (hooke.defences) passes its Trainer subclass and its own arguments: the recipe is the
    same as plain SFT's but for what the defence changes."""
    args = training_arguments(
        output_dir=output_dir,
        num_train_epochs=epochs,
        per_device_train_batch_size=params["batch_size"],
        learning_rate=params["learning_rate"],
        lr_scheduler_type=params.get("lr_scheduler", "constant"),
        warmup_steps=params.get("warmup_steps", 0),
        seed=seed,
        train_sampling_strategy=SFT_SAMPLING,
        **(checkpointing() if resumable else {}),
    )
    if trainer_class is None:
        from transformers import Trainer as trainer_class
    trainer = trainer_class(
        model=model,
        args=args,
        train_dataset=dataset,
        data_collator=collator(tokenizer),
        callbacks=[fail_on_nonfinite(), *callbacks],
        **trainer_kwargs,
    )
    return train_resumably(trainer, output_dir)


def drop(path: str | Path) -> None:
    """Remove a finished stage's working files (its trainer checkpoints and optimizer state)."""
    import shutil

    shutil.rmtree(path, ignore_errors=True)
