"""A synthetic testbed for the compression law, the theorem's own setting (rule
fit_compression_law): the pre-training, alignment and perturbation sets D_p, D_a and D_t are
disjoint by construction, and k = |D_p| / |D_a| is swept over decades, far beyond what the
IMDb miniature can reach (k of 1-40 there).

Each data set is text of its own synthetic language: a first-order Markov chain on a
vocabulary of its own, each transition row a Zipf law over a random permutation of the
tokens (the heavy-tailed leaf masses the theorem assumes), every sequence opening with the
language's tag token. Per k, a tiny Llama is trained on one shuffled pass over D_p ∪ D_a
(the compressor of both), then fine-tuned on D_t (the perturbation); bits per token on
held-out text of each language are read before and after. The theorem: the changes on D_a
and D_p have opposite signs and |ΔA / ΔP| grows as Θ(k), a slope of 1 on log-log axes
(hooke.verdicts: H6c)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from hooke.metrics import metrics_table, write_metrics

LANGUAGES = ("pretrain", "aligned", "perturbing")  # D_p, D_a, D_t: tags 0, 1, 2


def markov_chain(vocab: int, zipf: float, rng: np.random.Generator) -> np.ndarray:
    """A (vocab, vocab) transition matrix whose every row is a Zipf law (rank r has mass
    proportional to r^-zipf) over a random permutation of the vocabulary."""
    law = np.arange(1, vocab + 1, dtype=float) ** -zipf
    law /= law.sum()
    return np.stack([law[rng.permutation(vocab)] for _ in range(vocab)])


def sample(chain: np.ndarray, n: int, length: int, tag: int, offset: int, rng) -> np.ndarray:
    """`n` sequences of `length` token ids: the tag, then a walk on `chain` from a uniform
    start, its states shifted by `offset` (each language's own range of ids)."""
    vocab = len(chain)
    cumulative = chain.cumsum(axis=1)
    walk = np.empty((n, length - 1), dtype=np.int64)
    walk[:, 0] = rng.integers(vocab, size=n)
    for i in range(1, length - 1):
        u = rng.random(n)[:, None]
        walk[:, i] = (cumulative[walk[:, i - 1]] < u).sum(axis=1).clip(max=vocab - 1)
    return np.concatenate([np.full((n, 1), tag), walk + offset], axis=1)


def corpora(spec: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """The three languages' pools (training and held-out), fixed by the seed: every k of a
    seed draws D_a from the same language and pool, so that k alone changes."""
    rng = np.random.default_rng(seed)
    vocab, length = spec["vocab"], spec["length"]
    n_pretrain = spec["pretrain_tokens"] // length
    n_perturb = spec["perturb_tokens"] // length
    pools = {}
    for tag, name in enumerate(LANGUAGES):
        chain = markov_chain(vocab, spec["zipf"], rng)
        train = {"pretrain": n_pretrain, "aligned": n_pretrain, "perturbing": n_perturb}[name]
        texts = sample(chain, train + spec["heldout"], length, tag, 3 + tag * vocab, rng)
        pools[name] = {"train": texts[:train], "heldout": texts[train:]}
    return pools


def aligned_count(n_pretrain: int, k: float) -> int:
    """Sequences of D_a for a target k (at least one)."""
    return max(1, round(n_pretrain / k))


def build_model(spec: Mapping[str, Any], seed: int):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    arch = spec["architecture"]
    config = LlamaConfig(
        vocab_size=3 + len(LANGUAGES) * spec["vocab"],
        max_position_embeddings=spec["length"],
        num_key_value_heads=arch["num_attention_heads"],
        tie_word_embeddings=True,
        bos_token_id=None,
        eos_token_id=None,
        pad_token_id=None,
        **arch,
    )
    return LlamaForCausalLM(config)


def train(model, texts: np.ndarray, spec: Mapping[str, Any], lr: float, seed: int, out: Path):
    """One shuffled pass over `texts` with HF Trainer at a constant learning rate."""
    from datasets import Dataset
    from transformers import Trainer

    from hooke.trainer import fail_on_nonfinite, training_arguments

    rows = texts.tolist()
    args = training_arguments(
        out,
        per_device_train_batch_size=spec["batch_size"],
        learning_rate=lr,
        lr_scheduler_type="constant",
        seed=seed,
        data_seed=seed,
        logging_steps=50,
        include_num_input_tokens_seen="no",
    )
    data = Dataset.from_dict({"input_ids": rows, "labels": rows})
    Trainer(model=model, args=args, train_dataset=data, callbacks=[fail_on_nonfinite()]).train()


def bits_per_token(model, texts: np.ndarray) -> float:
    """Mean code length (bits) of each language token given its prefix, teacher-forced."""
    import torch

    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(texts), 64):
            ids = torch.as_tensor(texts[start : start + 64])
            logits = model(input_ids=ids).logits[:, :-1].float()
            nll = torch.nn.functional.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1), reduction="sum"
            )
            total, count = total + float(nll), count + ids[:, 1:].numel()
    model.train()
    return total / count / math.log(2)


def measure_k(spec, pools, k: float, seed: int, work: Path) -> list[dict[str, Any]]:
    """Train on D_p ∪ D_a at this k, perturb with D_t; the readouts before and after."""
    pretrain = pools["pretrain"]["train"]
    aligned = pools["aligned"]["train"][: aligned_count(len(pretrain), k)]
    union = np.random.default_rng(seed).permutation(np.concatenate([pretrain, aligned]))
    model = build_model(spec, seed)
    train(model, union, spec, spec["learning_rate"], seed, work / "trainer")
    rows = [
        {"step": 0, "metric": "k", "value": len(pretrain) / len(aligned)},
        {"step": 0, "metric": "aligned_tokens", "value": float(aligned.size)},
        {"step": 0, "metric": "pretrain_tokens", "value": float(pretrain.size)},
    ]
    steps = math.ceil(len(pools["perturbing"]["train"]) / spec["batch_size"])
    for step in (0, steps):
        if step:
            perturbing = pools["perturbing"]["train"]
            train(model, perturbing, spec, spec["perturb_learning_rate"], seed, work / "trainer")
        rows += [
            {"step": step, "metric": f"bits_{name}", "value": bits_per_token(model, texts)}
            for name, texts in ((n, pool["heldout"]) for n, pool in pools.items())
        ]
    return rows


def fit_compression_law(spec: Mapping[str, Any], seed: int, out_path: str | Path, meta) -> None:
    """Every k of the config for one seed, as metrics rows (base `k-<k>`). A minute or two
    of tiny models: a killed job starts again rather than resuming."""
    import tempfile

    pools = corpora(spec, seed)
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for k in spec["ks"]:
            rows += [{**r, "base": f"k-{k}"} for r in measure_k(spec, pools, k, seed, Path(work))]
    write_metrics(metrics_table(rows, **meta), out_path)
