"""The layout inside a run's output directory, said once. The Snakefile owns the results/
path grammar (one output per rule); this module owns the folders a rule writes inside its
output, which the rules of later stages and the jobs read. No heavy imports: the Snakefile
loads it."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from hooke.errors import HookeError

# Which pool aligns and which perturbs, per rebound direction.
POOLS = {"positive_first": ("positive", "negative"), "negative_first": ("negative", "positive")}


def tokens_dir(run_dir: str | Path, tokens: int) -> Path:
    """The slice of a pre-training run saved at `tokens` tokens seen."""
    return Path(run_dir) / f"tokens-{int(tokens)}"


def slice_dir(sft_dir: str | Path, k: int) -> Path:
    """SFT slice θk inside a finetune_slices run."""
    return Path(sft_dir) / f"slice-{int(k)}"


def checkpoint_dir(run_dir: str | Path, examples: int) -> Path:
    """The checkpoint after `examples` perturbing examples in a finetune_perturbed run's
    checkpoints folder."""
    return Path(run_dir) / f"examples-{int(examples)}"


def aligned_model(run_dir: str | Path) -> Path:
    """The aligned model inside a finetune_aligned run (beside its metrics)."""
    return Path(run_dir) / "model"


def aligning_pool(direction: str) -> str:
    """The data pool a rebound run aligns on: positives when positive_first."""
    return POOLS[direction][0]


def perturbing_pool(direction: str) -> str:
    """The data pool a rebound run is perturbed with: negatives when positive_first."""
    return POOLS[direction][1]


def check_results(root: str | Path = "results") -> None:
    """The run's results folder, if there is one, is a folder this process can write: a
    symlink loop, a file in its place or a folder without write permission is one line
    here, before any job, instead of a traceback from Snakemake's first stat of an output."""
    root = Path(root)
    if not os.path.lexists(root):
        return
    where = f"results folder '{os.path.abspath(root)}'"
    try:
        info = root.stat()
    except OSError as exc:
        why = "a symlink loop" if exc.errno == errno.ELOOP else exc.strerror
        raise HookeError(f"{where}: {why}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise HookeError(f"{where}: is a file, not a folder")
    if not os.access(root, os.W_OK | os.X_OK):
        raise HookeError(f"{where}: cannot be written by this user")
