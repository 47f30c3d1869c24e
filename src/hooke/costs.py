"""The cost model behind `make plan` (hooke.plan): per job, the size of its model and the
memory it asks for; per rule, the sums of hooke.job_costs' arithmetic as hours and bytes; and
the FLOP rate of this machine.

Time = a fixed start-up per job + FLOPs / rate. Disk counts the models each rule saves (2
bytes a parameter in bf16/fp16, 4 in fp32; the rebound runs' grid checkpoints only when kept)
and the optimizer state a training job holds while it runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hooke.job_costs import job_cost

ADAM_BYTES = 12  # fp32 master weights + two moments, per parameter, while a job trains


class _Vocab:
    """What build_model reads of a tokenizer: its size and special ids."""

    bos_token_id, eos_token_id, pad_token_id = 1, 2, 0

    def __init__(self, size: int):
        self.size = size

    def __len__(self) -> int:
        return self.size


def count_params(architecture: Mapping[str, Any], vocab: int, context: int) -> int:
    """Parameters of a locally pre-trained model of this shape (built on the meta device)."""
    import torch

    from hooke.pretrain import build_model

    with torch.device("meta"):
        model = build_model(architecture, _Vocab(vocab), context)
    return sum(p.numel() for p in model.parameters())


def run_params(config: Mapping[str, Any], run: str) -> int:
    """Parameters of a local pre-training run's model."""
    spec = config["pretrain"][run]
    return count_params(spec["architecture"], spec["vocab_size"], spec["context"])


def base_params(config: Mapping[str, Any], base: str) -> int | None:
    """A base's parameter count: a local run's shape, a hub base's `params` tag, or the
    config.json of a local model directory; None when none of these tells."""
    spec = config["bases"][base]
    if spec.get("source") == "local":
        return run_params(config, spec["run"])
    if spec.get("params"):
        return int(spec["params"])
    folder = Path(spec.get("repo", ""))
    if (folder / "config.json").is_file():
        import torch
        from transformers import AutoConfig, AutoModelForCausalLM

        with torch.device("meta"):
            model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(folder))
        return sum(p.numel() for p in model.parameters())
    return None


def bytes_per_param(config) -> int:
    return 2 if config["accelerate"]["precision"] in ("bf16", "fp16") else 4


def plan(config, jobs, *, gpu_flops, mfu, decode_mfu, cpu_flops, job_start_s) -> list[dict]:
    """One row per rule: jobs, FLOPs (training and prefill; decoding), GPU-hours, CPU-hours,
    disk kept, the optimizer state of its largest training job, download."""
    width = bytes_per_param(config)
    sizes: dict[tuple, int | None] = {}
    rows: dict[str, dict[str, Any]] = {}
    keys = ("jobs", "flops", "decode", "disk", "train_state", "download", "unknown")
    for rule, w in jobs:
        key = (w.get("base"), w.get("run"), rule == "pretrain_slices")
        if key not in sizes:
            sizes[key] = job_params(config, rule, w)
        n = sizes[key]
        row = rows.setdefault(rule, {"rule": rule, **dict.fromkeys(keys, 0.0)})
        row["jobs"] += 1
        if n is None:
            row["unknown"] += 1
            continue
        cost = job_cost(config, rule, w, n)
        row["flops"] += cost["flops"]
        row["decode"] += cost["decode"]
        row["disk"] += cost["models"] * n * width
        row["train_state"] = max(row["train_state"], cost["trains"] * n * ADAM_BYTES)
        if rule == "download_base":
            row["download"] += n * 2  # hub weights ship in bf16/fp16 for most models
    for row in rows.values():
        seconds = row["jobs"] * job_start_s
        gpu = row["flops"] / (gpu_flops * mfu) + row["decode"] / (gpu_flops * decode_mfu)
        row["gpu_hours"] = (gpu + seconds) / 3600
        if cpu_flops:
            row["cpu_hours"] = ((row["flops"] + row["decode"]) / cpu_flops + seconds) / 3600
    return list(rows.values())


def peak_disk(rows: list[dict], concurrent: int) -> float:
    """Disk at the worst moment, roughly: everything kept, and the optimizer state of
    `concurrent` training jobs of the largest model (removed as each job completes)."""
    kept = sum(r["disk"] for r in rows)
    state = max((r["train_state"] for r in rows), default=0.0)
    training = sum(r["jobs"] for r in rows if r["train_state"])
    return kept + state * min(concurrent, training)


# Bytes per parameter a job holds in float32, by what it does: a training job the model, its
# gradients and Adam's two moments (16), the frozen base or teacher its readouts and
# distillation read (4) and the copies a save or a load makes on the way (8); a job that
# reads, its model and the base; plant_rebound the base, its saved weights, each aligned
# model's and the moved-away control's (hooke.planted). Measured on SmolLM2-135M (5.2 GB
# for a perturbation run) and Gemma 3 270M (8.7 GB for a training step): within 10%.
JOB_BYTES = {
    "finetune_aligned": 28,
    "finetune_perturbed": 28,
    "finetune_slices": 28,
    "finetune_inverse": 28,
    "harvest_responses": 8,
    "score_base": 8,
}
RUNTIME_MB = 1500  # the interpreter, torch, transformers and the activations of a batch


def job_memory_mb(config, rule: str, base: str, default: int) -> int:
    """A job's memory request (Snakemake's mem_mb; a Slurm job's --mem): the rule's default,
    or more where the config tags its base's size (`params`) and the weights need it. A
    base without the tag keeps the default (counting a local run's parameters would import
    torch while the DAG is built)."""
    params = config["bases"].get(base, {}).get("params")
    per_param = JOB_BYTES.get(rule)
    if rule == "plant_rebound":
        per_param = 4 * (3 + len(config["rebound"]["volumes"]))
    if not params or not per_param:
        return default
    return max(default, RUNTIME_MB + int(params) * per_param // 10**6)


def job_params(config, rule: str, w: Mapping[str, str]) -> int | None:
    """Parameters of the model a job works on: its base's, or its pre-training run's."""
    if "base" in w:
        return base_params(config, w["base"])
    if rule == "pretrain_slices":
        return run_params(config, w["run"])
    if rule == "fit_compression_law":
        law = config["compression_law"]  # hooke.compression_law.Compressor
        return law["vocab"] * (2 * law["hidden"] + 1)
    return 0


def measure_cpu_flops(config, steps: int = 6) -> float:
    """FLOP/s of a bare training loop (AdamW, fp32, one thread) on this machine, on the shape of the
    config's first local pre-training run (small models are bound by overhead, not
    arithmetic, so the rate depends on the shape)."""
    import time

    import torch

    spec = next(iter(config["pretrain"].values()))
    from hooke.pretrain import build_model

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as a job runs (threads: 1 in every rule of the miniature)
    torch.manual_seed(0)
    model = build_model(spec["architecture"], _Vocab(spec["vocab_size"]), spec["context"])
    n = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    batch = torch.randint(3, spec["vocab_size"], (16, min(96, spec["context"])))
    start = None
    for step in range(steps + 1):
        if step == 1:
            start = time.perf_counter()  # the first step warms up
        model(input_ids=batch, labels=batch).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    rate = 6 * n * batch.numel() * steps / (time.perf_counter() - start)
    torch.set_num_threads(threads)
    return rate
