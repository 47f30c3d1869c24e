"""Sampling responses: batched, seeded, left-padded sampling from a transformers model with
its KV cache (or vLLM), and each response's negative log-likelihood under the model that
generated it.

The loop is HF `generate`'s sampling path (prefill, cached one-token steps, temperature and
top-p, `torch.multinomial`) without its per-step machinery and without a second forward pass
for the likelihoods: same seed, same tokens as `generate(..., top_k=0)` (tests/test_harvest.py
holds it to that), in a fraction of the time on small models."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hooke import templates
from hooke.errors import HookeError
from hooke.models import load_model, load_tokenizer
from hooke.runtime import progress


def _draw(logits, temperature: float, top_p: float):
    """One token per row from softmax(logits / temperature), restricted to the nucleus of
    mass `top_p`: the same arithmetic as HF generate's temperature and top-p warpers (and
    no top-k cut: every token of the nucleus can be drawn)."""
    import torch

    scores = logits / temperature if temperature != 1.0 else logits
    if top_p < 1.0:
        ordered, order = torch.sort(scores, descending=False)
        outside = ordered.softmax(-1).cumsum(-1) <= 1 - top_p
        outside[..., -1:] = False  # the most likely token always stays
        scores = scores.masked_fill(outside.scatter(1, order, outside), -float("inf"))
    return torch.multinomial(scores.softmax(-1), num_samples=1).squeeze(1)


@dataclass
class Sampled:
    """A sampled batch: generated ids (B, T; the pad id after a row's </s>), the mask of
    emitted tokens (</s> included), each row's summed NLL of them under the sampling model's
    untempered distribution, and, with a reference model, each row's summed KL(model ||
    reference) over the positions that predict them and the count of those positions."""

    tokens: Any
    mask: Any
    nll: Any
    kl: Any = None
    kl_positions: Any = None


def _step(model, cache, ids, attention_mask, positions):
    return (
        model(input_ids=ids, attention_mask=attention_mask, position_ids=positions, cache=cache)
        .logits[:, -1]
        .float()
    )


def sample_batch(
    model,
    input_ids,
    attention_mask,
    params: Mapping[str, Any],
    eos_id: int,
    pad_id: int,
    reference=None,
    max_length: int | None = None,
) -> Sampled:
    """Sample up to `max_new_tokens` per row of a left-padded batch with the model's KV
    cache: a prefill, then one cached forward per token, stopping once every row has
    emitted </s>. The NLL is read off the logits the sampling drew from, and a `reference`
    model (the base) reads the same tokens in lock-step with its own cache, so that the KL
    along the responses costs one forward of the reference and none of the model. The KL
    counts, like a teacher-forced pass over prompt + response cut to `max_length` tokens,
    only the response tokens within the first `max_length`."""
    import torch
    from transformers import DynamicCache

    from hooke.measures import position_kl

    rows = input_ids.shape[0]
    done = torch.zeros(rows, dtype=torch.bool, device=input_ids.device)
    nll = torch.zeros(rows, dtype=torch.float32, device=input_ids.device)
    kl, kl_positions = torch.zeros_like(nll), torch.zeros_like(nll)
    room = None if max_length is None else max_length - attention_mask.sum(-1)
    tokens, live_masks = [], []
    positions = (attention_mask.cumsum(-1) - 1).clamp(min=0)
    caches = [DynamicCache(config=m.config) for m in (model, reference) if m is not None]
    step_ids = input_ids
    for step in range(params["max_new_tokens"]):
        logits = _step(model, caches[0], step_ids, attention_mask, positions)
        token = _draw(logits, params["temperature"], params["top_p"])
        live = ~done
        logp = torch.log_softmax(logits, -1)
        nll -= logp.gather(-1, token[:, None]).squeeze(-1) * live
        if reference is not None:
            logq = torch.log_softmax(
                _step(reference, caches[1], step_ids, attention_mask, positions), -1
            )
            counted = live if room is None else live & (step < room)
            kl += position_kl(logp, logq) * counted
            kl_positions += counted
        token = torch.where(done, torch.full_like(token, pad_id), token)
        tokens.append(token)
        live_masks.append(live)
        done |= token == eos_id
        if bool(done.all()):
            break
        step_ids = token[:, None]
        attention_mask = torch.cat([attention_mask, live.new_ones(rows, 1).long()], dim=1)
        positions = positions[:, -1:] + 1
    if reference is None:
        kl = kl_positions = None
    return Sampled(torch.stack(tokens, 1), torch.stack(live_masks, 1).long(), nll, kl, kl_positions)


def generate_responses(
    model,
    tokenizer,
    prompts: list[str],
    params: Mapping[str, Any],
    seed: int,
    reference=None,
) -> pd.DataFrame:
    """Sample one response per prompt; returns prompt, response, gen_nll, n_tokens and the
    response's token ids; with a `reference` model, also each response's summed KL(model ||
    reference) (`kl`) over its `kl_positions` (prompt + response cut to `max_length`
    tokens, when `params` has it). Batches of `batch_size` prompts, seeded once: the same
    seed and batch size give the same responses."""
    import torch

    torch.manual_seed(seed)
    model.eval()
    if reference is not None:
        reference.eval()
    rows = []
    batch_size = params["batch_size"]
    for start in progress(range(0, len(prompts), batch_size), desc="generate", unit="batch"):
        batch = prompts[start : start + batch_size]
        texts = templates.prompts(batch, tokenizer)
        enc = tokenizer(texts, return_tensors="pt", padding=True).to(model.device)
        with torch.no_grad():
            out = sample_batch(
                model,
                enc["input_ids"],
                enc["attention_mask"],
                params,
                tokenizer.eos_token_id,
                tokenizer.pad_token_id,
                reference,
                params.get("max_length"),
            )
        count = out.mask.sum(-1).cpu()
        generated, gen_mask, nll = out.tokens.cpu(), out.mask.cpu(), out.nll.cpu()
        if reference is not None:
            kl, kl_positions = out.kl.cpu(), out.kl_positions.cpu()
        for i, prompt in enumerate(batch):
            ids = generated[i][gen_mask[i].bool()]
            row = {
                "prompt": prompt,
                "response": tokenizer.decode(ids, skip_special_tokens=True).strip(),
                "gen_nll": float(nll[i] / max(int(count[i]), 1)),
                "n_tokens": int(count[i]),
                # the emitted tokens themselves (</s> included when generated): training
                # on them, not on the decoded text, keeps the generator's distribution
                "response_ids": ids.tolist(),
            }
            if reference is not None:
                row["kl"] = float(kl[i])
                row["kl_positions"] = int(kl_positions[i])
            rows.append(row)
    return pd.DataFrame(rows)


def generate_with_vllm(
    model_dir: str | Path,
    prompts: list[str],
    params: Mapping[str, Any],
    seed: int,
    trust_remote_code: bool = False,
) -> pd.DataFrame:
    """The same rows as `generate_responses`, sampled by vLLM (GPU). gen_nll comes from
    vLLM's log-probabilities of the sampled tokens. A LoRA slice is merged into a plain
    model directory first (vLLM loads plain safetensors models)."""
    import importlib.util
    import tempfile

    if importlib.util.find_spec("vllm") is None:
        raise HookeError("harvest backend 'vllm' is not installed: pip install vllm")
    from vllm import LLM, SamplingParams

    with tempfile.TemporaryDirectory() as merged:
        if (Path(model_dir) / "adapter_config.json").is_file():
            load_model(model_dir, trust_remote_code).save_pretrained(merged)
            load_tokenizer(model_dir, trust_remote_code).save_pretrained(merged)
            model_dir = merged
        llm = LLM(model=str(model_dir), seed=seed, trust_remote_code=trust_remote_code)
        sampling = SamplingParams(
            temperature=params["temperature"],
            top_p=params["top_p"],
            max_tokens=params["max_new_tokens"],
            seed=seed,
            logprobs=0,
        )
        outputs = llm.generate(templates.prompts(prompts, llm.get_tokenizer()), sampling)
    rows = []
    for prompt, output in zip(prompts, outputs, strict=True):
        sample = output.outputs[0]
        n = max(len(sample.token_ids), 1)
        rows.append(
            {
                "prompt": prompt,
                "response": sample.text.strip(),
                "gen_nll": float(-(sample.cumulative_logprob or 0.0) / n),
                "n_tokens": len(sample.token_ids),
                "response_ids": list(sample.token_ids),
            }
        )
    return pd.DataFrame(rows)
