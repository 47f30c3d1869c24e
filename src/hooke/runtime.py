"""Process-wide settings every training or inference stage applies first."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Where Trainer runs report their curves: set once per job by `setup`.
REPORT_TO: list[str] = []
# Whether to draw progress bars (into the job's log): set by `setup`.
PROGRESS = [False]
# Steps between the checkpoints of resumable training stages: set by `setup`.
CHECKPOINT_EVERY = [100]
# How training uses the hardware (config key `accelerate`): set by `setup`, read by the
# training engines (hooke.distributed); the defaults suit a CPU.
ACCELERATE: dict[str, Any] = {
    "precision": "auto",
    "gradient_checkpointing": False,
    "attention": "sdpa",
    "deepspeed": "zero2",
    "micro_batch_size": None,
}


def world_size() -> int:
    """Processes in this training run (1 unless started by a distributed launcher)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def rank() -> int:
    """This process's global rank (0 when not distributed)."""
    return int(os.environ.get("RANK", "0"))


def is_main_process() -> bool:
    """Only the main process writes a job's outputs."""
    return rank() == 0


def progress_wanted(stderr_fd: int = 2) -> bool:
    """Progress bars when run from a terminal, never in CI logs."""
    return os.isatty(stderr_fd) and not os.environ.get("CI")


def progress(iterable, **kwargs):
    """`iterable` wrapped in a tqdm bar when progress bars are wanted."""
    from tqdm.auto import tqdm

    return tqdm(iterable, disable=not PROGRESS[0], **kwargs)


def setup(
    threads: int,
    seed: int,
    tracking: Mapping[str, Any] | None = None,
    log_path: str | None = None,
    show_progress: bool = False,
    checkpoint_every: int = 100,
    accelerate: Mapping[str, Any] | None = None,
    uses_torch: bool = True,
) -> None:
    """Fix the thread count and every random seed, choose where training curves go and
    whether progress bars are drawn. A job that never touches a model (`uses_torch` False:
    data, tables, figures) does not import torch and transformers, 5-6 s of a job's start."""
    import random

    import numpy as np

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # transformers.set_seed's seeding, without its module: importing it imports peft
    # (~1.5 s of a job that never trains; Trainer runs import both anyway).
    random.seed(seed)
    np.random.seed(seed)
    if uses_torch:
        import torch

        torch.set_num_threads(max(1, int(threads)))
        torch.manual_seed(seed)  # every device's generator: CPU, CUDA and the others
    REPORT_TO[:] = report_targets(tracking or {}, log_path)
    PROGRESS[0] = show_progress
    CHECKPOINT_EVERY[0] = int(checkpoint_every)
    ACCELERATE.update(accelerate or {})


def report_targets(tracking: Mapping[str, Any], log_path: str | None) -> list[str]:
    """TensorBoard beside the job's log; W&B when a project is named (offline without a key;
    skipped, never a crash, when wandb is not installed). Sets the env vars HF reads."""
    targets = []
    if tracking.get("tensorboard", True) and log_path:
        os.environ["TENSORBOARD_LOGGING_DIR"] = str(Path(log_path).with_suffix(".tensorboard"))
        targets.append("tensorboard")
    project = tracking.get("wandb_project")
    if project:
        if importlib.util.find_spec("wandb") is None:
            print("hooke: tracking.wandb_project is set but wandb is not installed; skipping W&B")
        else:
            os.environ["WANDB_PROJECT"] = str(project)
            if not os.environ.get("WANDB_API_KEY"):
                os.environ["WANDB_MODE"] = "offline"
            targets.append("wandb")
    return targets
