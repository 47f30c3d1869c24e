"""The cost model behind `make plan` (hooke.plan): per job, its arithmetic, the models it
saves (kept or temporary) and the optimizer state it holds; per rule, the sums as hours and
bytes; and the FLOP rate of this machine.

A forward pass costs 2·N FLOPs per token and a training step 6·N per token (N parameters);
generation costs a forward pass per token of prompt and response. Token counts come from the
config (examples × tokens per example, where an example's length is its words ×
TOKENS_PER_WORD, capped at max_length: an upper bound where the data's texts are shorter than
their caps). Time = a fixed start-up per job + FLOPs / rate. Disk counts the models each rule
saves (2 bytes a parameter in bf16/fp16, 4 in fp32; the rebound runs' grid checkpoints only
when kept) and the optimizer state a training job holds while it runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hooke import variants
from hooke.defences import attacks

TOKENS_PER_WORD = 1.4  # byte-level BPE on English prose: ~1.3-1.5
# Training FLOPs per token relative to one forward pass (2N), per perturbation engine: rows
# per example × (3 for forward + backward, + 1 for a frozen reference model's forward).
ENGINE_PASSES = {"sft": 3, "dpo": 2 * (3 + 1), "kto": 3 + 1, "simpo": 2 * 3, "distill": 3 + 1}
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


def example_tokens(config, task: str, max_length: int) -> float:
    words = config["tasks"][task]["data"]["words"]
    return min(max_length, (words["prompt"] + words["response"]) * TOKENS_PER_WORD)


def prompt_tokens(config, task: str) -> float:
    return config["tasks"][task]["data"]["words"]["prompt"] * TOKENS_PER_WORD


# Forward-and-backward passes per alignment step of a defence (hooke.defences), over SFT's
# one: Vaccine's drift pass; RepNoise's harmful batch; Booster's two harmful gradients.
DEFENCE_PASSES = {"vaccine": 2, "repnoise": 2, "booster": 3}


def job_cost(config, rule: str, w: Mapping[str, str], n: int) -> dict[str, float]:
    """FLOPs, models saved and whether the job trains, for one job on a base of `n`
    parameters."""
    cost = {"flops": 0.0, "decode": 0.0, "models": 0.0, "trains": 0.0}
    task = w.get("task")
    if rule == "pretrain_slices":
        spec = config["pretrain"][w["run"]]
        cost.update(flops=6 * n * max(spec["slices"]), models=len(spec["slices"]), trains=1)
    elif rule == "download_base":
        cost["models"] = 1
    elif rule == "finetune_slices":
        sft = config["resistance"]["sft"]
        examples = sft["examples"] or config["tasks"][task]["data"]["sizes"]["positive"]
        tokens = examples * example_tokens(config, task, sft["max_length"])
        cost.update(flops=6 * n * tokens, models=sft["slices"], trains=1)
    elif rule == "harvest_responses":
        harvest = config["resistance"]["harvest"]
        cost["flops"] = 2 * n * harvest["prompts"] * prompt_tokens(config, task)
        cost["decode"] = 2 * n * harvest["prompts"] * harvest["max_new_tokens"]
    elif rule == "finetune_inverse":
        inverse = config["resistance"]["inverse"]
        measured = 4 * inverse["eval_prompts"] * inverse["max_length"]  # two models, before/after
        per_path = 6 * n * inverse["tokens"] * inverse["epochs"] + 2 * n * measured
        cost.update(flops=2 * per_path)  # both paths of the pair
        cost["trains"] = 1
    elif rule == "finetune_aligned":
        align = config["rebound"]["align"]
        tokens = int(w["n"]) * align["epochs"] * example_tokens(config, task, align["max_length"])
        passes = DEFENCE_PASSES.get(w.get("aligner", "sft"), 1)
        cost.update(flops=6 * n * tokens * passes, models=1, trains=1)
    elif rule == "finetune_perturbed":
        perturb, grid = config["rebound"]["perturb"], config["rebound"]["grid"]
        # the burn-in's steps at learning rate 0 cost what any step costs
        examples = max(grid) + perturb.get("burn_in_steps", 0) * perturb["batch_size"]
        tokens = examples * example_tokens(config, task, perturb["max_length"])
        root, _ = variants.parse(w["algorithm"])  # a learning-rate variant costs the same
        attack = attacks(config.get("defences")).get(root) or {}
        if root == variants.BALANCED:  # the balanced control: SFT on both poles
            attack = {"algorithm": "sft"}
        elif root in variants.DISTILL:  # the controls: distillation toward a teacher
            attack = {"algorithm": "distill"}
        w = {**w, "algorithm": attack.get("algorithm", root)}
        if w.get("aligner") == "mix":  # the mixed-in aligning examples are trained on too
            tokens *= 1 + config["defences"]["mix"]["share"]
        passes = ENGINE_PASSES.get(w["algorithm"])
        if passes is None:  # grpo: sample a group per prompt, then train on it
            passes = perturb["num_generations"] * (3 + 1 + 1)
        cost.update(flops=2 * n * passes * tokens, trains=1)
        if config["rebound"].get("keep_checkpoints"):
            cost["models"] = len([g for g in grid if g])
        if perturb.get("pairs") == "own_samples" and w["algorithm"] in ("dpo", "kto", "simpo"):
            # the starting model answers every perturbing prompt once (the rejected side)
            cost["flops"] += 2 * n * max(grid) * prompt_tokens(config, task)
            cost["decode"] = 2 * n * max(grid) * perturb["max_completion_length"]
        # the run reads its model at every grid point, and samples at the sampled ones
        points = set(grid) | {0}
        sampled = len(set(config["rebound"]["eval"].get("sample_at") or points))
        flops, decode = readout_cost(config, task, n, len(points), sampled, kl=True)
        cost["flops"] += flops
        cost["decode"] += decode
    elif rule == "fit_compression_law":
        # at most: every fit runs all its L-BFGS iterations, each a pass over the vocabulary
        law = config["compression_law"]
        fits = len(law["ks"]) * (1 + len(law["shares"]))
        cost.update(flops=6 * n * law["vocab"] * law["iterations"] * fits, trains=1)
    elif rule == "plant_rebound":
        cost["flops"] = 2 * n * planted_readouts(config) * readout_tokens(config)
    elif rule == "score_base":
        cost["flops"], cost["decode"] = readout_cost(config, task, n, 1, 1, kl=False)
    return cost


def readout_tokens(config) -> float:
    """Tokens one likelihood readout reads: the held-out texts of D_p, D_a and D_t."""
    ev = config["rebound"]["eval"]
    return 3 * ev["compression_texts"] * ev["max_length"]


def planted_readouts(config) -> int:
    """Likelihood readouts of one plant_rebound job (hooke.planted): the calibration along
    each aligned model's line and the base control's (the planted points and s 0 and 1),
    the base's margin, then the planted models read once each — per aligned volume the
    start and the later points of three distinct curves, for the base control its start
    and the moving control's later points."""
    steps = config["controls"]["planted"]["points"] + 2
    volumes = len(config["rebound"]["volumes"])
    later = len(set(config["rebound"]["grid"]) - {0})
    return (volumes + 1) * steps + 1 + volumes * (3 * later + 1) + later + 1


def readout_cost(config, task, n: int, points: int, sampled: int, kl: bool):
    """(FLOPs, decoding FLOPs) of the readouts of `points` grid points, `sampled` of them
    with sampled responses: at every point the held-out texts of D_p, D_a and D_t are read;
    at a sampled point the prompts are answered and, with `kl`, the policy and the base read
    the samples in one pass each (KL to the base; on a CPU the base reads them in lock-step
    instead)."""
    ev = config["rebound"]["eval"]
    prompts = ev["prompts"] * prompt_tokens(config, task)
    generated = ev["prompts"] * ev["max_new_tokens"]
    texts = readout_tokens(config)
    reference = 2 * (prompts + generated) if kl else 0.0
    return 2 * n * (texts * points + (prompts + reference) * sampled), 2 * n * generated * sampled


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
