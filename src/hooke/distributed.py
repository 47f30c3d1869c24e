"""Training on one or many GPUs with the engines users trust: a job asking for GPUs (a
`gpu` resource, set in a profile) re-launches itself under DeepSpeed's launcher with one of
`hooke/deepspeed/*.json` (package data); the HF / TRL trainers then run ZeRO. The global
batch stays the configured one whatever the GPU count: gradient accumulation is computed,
never hand-set."""

from __future__ import annotations

import contextlib
import math
import os
import socket
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hooke.errors import HookeError
from hooke.runtime import ACCELERATE, is_main_process, rank, world_size  # noqa: F401

# The ZeRO configs ship inside the package (package data), not read from a checkout.
DEEPSPEED_DIR = Path(__file__).resolve().parent / "deepspeed"
DEEPSPEED_CONFIGS = ("zero2", "zero3", "zero2_offload", "zero3_offload")
# Execution settings (config key `accelerate`): set by runtime.setup, read here and by
# training_arguments; the process ranks are runtime's too (atomic writes need them).
SETTINGS = ACCELERATE


def configure(settings: Mapping[str, Any] | None) -> None:
    """Take the config's `accelerate` section (unknown keys are refused by the schema)."""
    SETTINGS.update(settings or {})


def batch_plan(global_batch: int, world: int, micro_cap: int | None = None) -> tuple[int, int]:
    """(per-device batch, gradient accumulation steps) whose product with `world` is exactly
    `global_batch`, with the per-device batch at most `micro_cap` (None: no cap)."""
    if global_batch % world:
        raise HookeError(f"batch size {global_batch} does not divide over {world} processes")
    per_process = global_batch // world
    cap = min(per_process, micro_cap or per_process)
    accumulation = math.ceil(per_process / cap)
    while per_process % accumulation:
        accumulation += 1
    return per_process // accumulation, accumulation


def precision_flags(on_gpu: bool, bf16_supported: bool) -> dict[str, bool]:
    """TrainingArguments' bf16/fp16 flags for the configured precision."""
    precision = SETTINGS["precision"]
    if precision == "auto":
        return {"bf16": on_gpu and bf16_supported, "fp16": False}
    if precision in ("bf16", "fp16") and not on_gpu:
        raise HookeError(f"accelerate.precision: {precision} needs a GPU; use fp32 or auto")
    return {"bf16": precision == "bf16", "fp16": precision == "fp16"}


def deepspeed_config(name: str | None) -> str | None:
    """Path of a named DeepSpeed config (None: no DeepSpeed)."""
    if not name:
        return None
    if name not in DEEPSPEED_CONFIGS:
        raise HookeError(f"accelerate.deepspeed: '{name}' is not one of {DEEPSPEED_CONFIGS}")
    return str(DEEPSPEED_DIR / f"{name}.json")


def distributed_arguments() -> dict[str, Any]:
    """TrainingArguments that switch DeepSpeed on when running under its launcher."""
    if "LOCAL_RANK" not in os.environ or not SETTINGS.get("deepspeed"):
        return {}
    return {"deepspeed": deepspeed_config(SETTINGS["deepspeed"])}


def needs_launcher(gpus: int) -> bool:
    """Whether a job must be re-launched: more than one GPU, or ZeRO on one, and not already
    inside a launched process."""
    if "LOCAL_RANK" in os.environ or gpus < 1:
        return False
    return gpus > 1 or bool(SETTINGS.get("deepspeed"))


def free_port() -> int:
    """A free TCP port for the rendezvous of one job (jobs on one node must not collide)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launch_command(gpus: int, script: str | Path, port: int) -> list[str]:
    """The DeepSpeed launcher command (`deepspeed ...`, as the launcher module of this
    interpreter) that runs `script` (the job's own script file, which carries its `snakemake`
    object) once per local GPU: an argv list, never a shell string."""
    import importlib.util

    if gpus < 1:
        raise HookeError(f"resources.gpu: {gpus} GPUs cannot be launched")
    if importlib.util.find_spec("deepspeed") is None:
        raise HookeError("a job with GPUs needs DeepSpeed: pip install 'hooke[deepspeed]'")
    return [
        sys.executable,
        "-m",
        "deepspeed.launcher.runner",
        f"--num_gpus={gpus}",
        f"--master_port={port}",
        "--no_local_rank",
        str(script),
    ]


@contextlib.contextmanager
def gathered(model):
    """The full parameters of a model trained under ZeRO-3 (each process holds a shard of
    every tensor) for the duration of the block; a no-op otherwise. Collective: every process
    of the job must enter it."""
    partitioned = [p for p in model.parameters() if hasattr(p, "ds_id")]
    if not partitioned:
        yield model
        return
    import deepspeed

    with deepspeed.zero.GatheredParameters(partitioned, modifier_rank=None):
        yield model


def save_trained(model, tokenizer, target: str | Path) -> None:
    """Save a model being trained (and its tokenizer) from the main process only, gathering
    ZeRO-3 shards first: a plain `save_pretrained` there writes empty tensors."""
    with gathered(model):
        if is_main_process():
            model.save_pretrained(target, safe_serialization=True)
            tokenizer.save_pretrained(target)
