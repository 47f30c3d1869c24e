"""What every `scripts/*.py` entry point does around its one call: send stdout and stderr to
the rule's log, fix threads and seeds, and turn a HookeError into one line and exit 1."""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Iterator
from typing import Any

from hooke.errors import HookeError
from hooke.names import WHOLE_WEIGHTS
from hooke.provenance import config_hash

# Wildcards as metrics columns: (column, type). `n` (the aligning volume) is no column of
# its own; the jobs that read it place it in n_pos or n_neg by direction.
WILDCARD_COLUMNS = {
    "base": ("base", str),
    "task": ("task", str),
    "seed": ("seed", int),
    "direction": ("direction", str),
    "algorithm": ("algorithm", str),
    "aligner": ("aligner", str),
    "k": ("slice_k", int),
    "l": ("slice_l", int),
    "path": ("path", str),
    "n": ("n", int),
}


def job_meta(
    snakemake: Any, hashed: Any, setting: str | None = None, omit: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The columns that say where a job's metrics came from: its wildcards (typed, named as
    in the metrics schema, less `omit`), its `setting`, and the hash of the parameters that
    shaped it (`hashed`)."""
    meta: dict[str, Any] = {} if setting is None else {"setting": setting}
    template = getattr(snakemake.params, "template", None)
    if template:  # the layout shapes the result as much as the parameters do
        hashed = {"params": hashed, "template": template}
    for name, value in snakemake.wildcards.items():
        if name in omit:
            continue
        column, kind = WILDCARD_COLUMNS[name]
        meta[column] = kind(value)
    meta["config_hash"] = config_hash(hashed)
    return meta


@contextlib.contextmanager
def entry(
    snakemake: Any,
    seed: int = 0,
    trains: bool = False,
    uses_torch: bool = True,
    online: bool = False,
) -> Iterator[None]:
    """Set up a job; a training job (`trains`) given GPUs re-launches itself under DeepSpeed's
    launcher, one process per GPU, and this process only waits for it. Only the jobs that
    fetch from the hub (`online`: the local rules) may reach it; every other job runs with
    the hub offline, as compute nodes often have no internet."""
    from hooke.runtime import progress_wanted

    show_progress = progress_wanted(2)  # asked before stderr goes to the log
    real_stderr = os.dup(2)
    log_path = snakemake.log[0] if snakemake.log else None
    if log_path:
        os.makedirs(os.path.dirname(log_path) or ".", exist_ok=True)
        # Every writer appends (O_APPEND): a job's launcher and the processes it starts share
        # this log, and a writer at its own offset would overwrite the others' lines.
        if "LOCAL_RANK" not in os.environ:  # the job itself starts a fresh log
            open(log_path, "w").close()
        log = open(log_path, "a", buffering=1)
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    if not online:
        os.environ["HF_HUB_OFFLINE"] = os.environ["HF_DATASETS_OFFLINE"] = "1"
    try:
        from hooke.runtime import setup

        # Tracking is read from the config here, not passed as rule params, so that turning
        # a dashboard on or off never re-runs a job.
        # Like tracking, checkpointing cannot change a result: read here, never a rule param.
        setup(
            snakemake.threads,
            seed,
            snakemake.config.get("tracking"),
            log_path,
            show_progress,
            snakemake.config.get("checkpoint_every", 100),
            job_accelerate(snakemake),
            uses_torch,
        )
        template = getattr(snakemake.params, "template", None)
        if template:  # how prompts and responses are laid out (hooke.templates)
            from hooke import templates

            templates.use(template)
            print("template:", template)
        if trains:
            launch_if_asked(snakemake)
        yield
    except HookeError as exc:
        _fail(str(exc), real_stderr)
    except (MemoryError, RuntimeError, OSError) as exc:
        if out_of_memory(exc):
            _fail(memory_message(snakemake, exc), real_stderr)
        if disk_full(exc):
            _fail(disk_message(snakemake, exc), real_stderr)
        raise


def _fail(text: str, real_stderr: int):
    """One line to the log and to the terminal, exit 1."""
    message = f"hooke: error: {text}\n"
    sys.stderr.write(message)
    sys.stderr.flush()
    os.write(real_stderr, message.encode())
    sys.exit(1)


# What running out of memory looks like: Python's MemoryError, torch's CUDA OutOfMemoryError
# and its CPU allocator's RuntimeError (the kernel's OOM killer leaves no Python trace: its
# SIGKILL reaches Snakemake as the job's exit status).
OOM_TEXT = ("out of memory", "can't allocate memory", "cannot allocate memory")


def out_of_memory(exc: BaseException) -> bool:
    return isinstance(exc, MemoryError) or any(t in str(exc).lower() for t in OOM_TEXT)


def memory_message(snakemake: Any, exc: BaseException) -> str:
    """The one line of a job that ran out of memory: the rule, what it asked for, what to do."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
    asked = getattr(snakemake.resources, "mem_mb", None)
    wanted = f"it asked for {asked} MB (resources.mem_mb); " if asked else ""
    return (
        f"rule {snakemake.rule}: out of memory ({first}); {wanted}give it more memory "
        "(--resources mem_mb, the profile's mem_mb) or lower its batch "
        "(accelerate.micro_batch_size, batch_size)"
    )


# What a full disk (or a spent quota) looks like: the OSError itself, or the text torch's and
# safetensors' writers wrap it in.
DISK_TEXT = ("no space left on device", "disk quota exceeded")


def disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return any(t in str(exc).lower() for t in DISK_TEXT)


def disk_message(snakemake: Any, exc: BaseException) -> str:
    """The one line of a job whose disk filled: the rule, where, and that nothing
    half-written was kept (hooke.atomic writes to a temporary beside the target)."""
    where = getattr(exc, "filename", None)
    place = f" writing {where}" if where else ""
    return (
        f"rule {snakemake.rule}: the disk is full{place}; nothing half-written was kept. "
        "Free space there (or move the working directory, HOOKE_CACHE or TMPDIR to a larger "
        "disk) and re-run: the finished jobs are kept"
    )


def job_accelerate(snakemake: Any) -> dict[str, Any] | None:
    """The config's `accelerate`, but ZeRO-2 in place of ZeRO-3 for a defence that takes
    gradients of, or distances between, whole weights (hooke.names.WHOLE_WEIGHTS), which
    ZeRO-3 partitions; said in the job's log."""
    settings = dict(snakemake.config.get("accelerate") or {})
    stage = str(settings.get("deepspeed") or "")
    aligner = dict(snakemake.wildcards.items()).get("aligner")
    if aligner in WHOLE_WEIGHTS and stage.startswith("zero3"):
        settings["deepspeed"] = stage.replace("zero3", "zero2")
        print(f"{aligner} needs whole weights: DeepSpeed {stage} -> {settings['deepspeed']}")
    return settings or None


def launch_if_asked(snakemake: Any) -> None:
    """Run this job's script under the DeepSpeed launcher when its `gpu` resource asks for it,
    then exit with the launcher's status (the body of the job never runs in this process)."""
    import subprocess

    from hooke import distributed

    gpus = int(snakemake.resources.get("gpu", 0) or 0)
    if not distributed.needs_launcher(gpus):
        return
    command = distributed.launch_command(gpus, sys.argv[0], distributed.free_port())
    print("launching:", " ".join(command), flush=True)
    status = subprocess.run(command, check=False).returncode
    if status:
        raise HookeError(f"the DeepSpeed launcher exited with status {status}")
    sys.exit(0)
