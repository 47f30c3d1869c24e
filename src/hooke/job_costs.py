"""The arithmetic of one job (hooke.costs sums it per rule for `make plan`): FLOPs of
training, prefill and decoding, the models it saves and whether it trains, in a table keyed
by rule (COSTS).

A forward pass costs 2·N FLOPs per token and a training step 6·N per token (N parameters);
generation costs a forward pass per token of prompt and response. Token counts come from the
config (examples × tokens per example, where an example's length is its words ×
TOKENS_PER_WORD, capped at max_length: an upper bound where the data's texts are shorter than
their caps).
"""

from __future__ import annotations

from collections.abc import Mapping

from hooke.settings import attack

TOKENS_PER_WORD = 1.4  # byte-level BPE on English prose: ~1.3-1.5
# Training FLOPs per token relative to one forward pass (2N), per perturbation engine: rows
# per example × (3 for forward + backward, + 1 for a frozen reference model's forward).
ENGINE_PASSES = {"sft": 3, "dpo": 2 * (3 + 1), "kto": 3 + 1, "simpo": 2 * 3, "distill": 3 + 1}


def example_tokens(config, task: str, max_length: int) -> float:
    words = config["tasks"][task]["data"]["words"]
    return min(max_length, (words["prompt"] + words["response"]) * TOKENS_PER_WORD)


def prompt_tokens(config, task: str) -> float:
    return config["tasks"][task]["data"]["words"]["prompt"] * TOKENS_PER_WORD


# Forward-and-backward passes per alignment step of a defence (hooke.defences), over SFT's
# one: Vaccine's drift pass; RepNoise's harmful batch; Booster's two harmful gradients.
DEFENCE_PASSES = {"vaccine": 2, "repnoise": 2, "booster": 3}


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


def job_cost(config, rule: str, w: Mapping[str, str], n: int) -> dict[str, float]:
    """FLOPs, models saved and whether the job trains, for one job on a base of `n`
    parameters (COSTS: a rule without an entry costs nothing worth counting)."""
    cost = {"flops": 0.0, "decode": 0.0, "models": 0.0, "trains": 0.0}
    if rule in COSTS:
        cost.update(COSTS[rule](config, w, n))
    return cost


def _pretrain_slices(config, w, n):
    spec = config["pretrain"][w["run"]]
    return {"flops": 6 * n * max(spec["slices"]), "models": len(spec["slices"]), "trains": 1}


def _finetune_slices(config, w, n):
    sft, task = config["resistance"]["sft"], w["task"]
    examples = sft["examples"] or config["tasks"][task]["data"]["sizes"]["positive"]
    tokens = examples * example_tokens(config, task, sft["max_length"])
    return {"flops": 6 * n * tokens, "models": sft["slices"], "trains": 1}


def _harvest_responses(config, w, n):
    harvest = config["resistance"]["harvest"]
    return {
        "flops": 2 * n * harvest["prompts"] * prompt_tokens(config, w["task"]),
        "decode": 2 * n * harvest["prompts"] * harvest["max_new_tokens"],
    }


def _finetune_inverse(config, w, n):
    inverse = config["resistance"]["inverse"]
    measured = 4 * inverse["eval_prompts"] * inverse["max_length"]  # two models, before/after
    per_path = 6 * n * inverse["tokens"] * inverse["epochs"] + 2 * n * measured
    return {"flops": 2 * per_path, "trains": 1}  # both paths of the pair


def _finetune_aligned(config, w, n):
    align = config["rebound"]["align"]
    tokens = int(w["n"]) * align["epochs"] * example_tokens(config, w["task"], align["max_length"])
    passes = DEFENCE_PASSES.get(w.get("aligner", "sft"), 1)
    return {"flops": 6 * n * tokens * passes, "models": 1, "trains": 1}


def _finetune_perturbed(config, w, n):
    perturb, grid, task = config["rebound"]["perturb"], config["rebound"]["grid"], w["task"]
    # the burn-in's steps at learning rate 0 cost what any step costs
    examples = max(grid) + perturb.get("burn_in_steps", 0) * perturb["batch_size"]
    tokens = examples * example_tokens(config, task, perturb["max_length"])
    algorithm = attack(config, w["algorithm"])["algorithm"]  # the engine it runs
    if w.get("aligner") == "mix":  # the mixed-in aligning examples are trained on too
        tokens *= 1 + config["defences"]["mix"]["share"]
    passes = ENGINE_PASSES.get(algorithm)
    if passes is None:  # grpo: sample a group per prompt, then train on it
        passes = perturb["num_generations"] * (3 + 1 + 1)
    cost = {"flops": 2 * n * passes * tokens, "decode": 0.0, "trains": 1}
    if config["rebound"].get("keep_checkpoints"):
        cost["models"] = len([g for g in grid if g])
    if perturb.get("pairs") == "own_samples" and algorithm in ("dpo", "kto", "simpo"):
        # the starting model answers every perturbing prompt once (the rejected side)
        cost["flops"] += 2 * n * max(grid) * prompt_tokens(config, task)
        cost["decode"] = 2 * n * max(grid) * perturb["max_completion_length"]
    # the run reads its model at every grid point, and samples at the sampled ones
    points = set(grid) | {0}
    sampled = len(set(config["rebound"]["eval"].get("sample_at") or points))
    flops, decode = readout_cost(config, task, n, len(points), sampled, kl=True)
    cost["flops"] += flops
    cost["decode"] += decode
    return cost


def _fit_compression_law(config, w, n):
    # at most: every fit runs all its L-BFGS iterations, each a pass over the vocabulary
    law = config["compression_law"]
    fits = len(law["ks"]) * (1 + len(law["shares"]))
    return {"flops": 6 * n * law["vocab"] * law["iterations"] * fits, "trains": 1}


def _score_base(config, w, n):
    flops, decode = readout_cost(config, w["task"], n, 1, 1, kl=False)
    return {"flops": flops, "decode": decode}


# Each rule's cost, beside the rule's name; the rules absent (data, scoring of text, tables,
# figures) do no arithmetic on a model worth counting.
COSTS = {
    "pretrain_slices": _pretrain_slices,
    "download_base": lambda config, w, n: {"models": 1},
    "finetune_slices": _finetune_slices,
    "harvest_responses": _harvest_responses,
    "finetune_inverse": _finetune_inverse,
    "finetune_aligned": _finetune_aligned,
    "finetune_perturbed": _finetune_perturbed,
    "fit_compression_law": _fit_compression_law,
    "plant_rebound": lambda config, w, n: {
        "flops": 2 * n * planted_readouts(config) * readout_tokens(config)
    },
    "score_base": _score_base,
}
