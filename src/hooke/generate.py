"""Sampling responses: batched, seeded HF generation with left padding (or vLLM), and each
response's negative log-likelihood under the model that generated it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from hooke import templates
from hooke.errors import HookeError
from hooke.models import load_model, load_tokenizer
from hooke.runtime import progress


def _sequence_nll(model, sequences, attention_mask, prompt_len: int):
    """Per-row summed NLL and token count of the generated part (after `prompt_len`)."""
    import torch

    position_ids = (attention_mask.cumsum(-1) - 1).clamp(min=0)
    with torch.no_grad():
        logits = model(
            input_ids=sequences, attention_mask=attention_mask, position_ids=position_ids
        ).logits  # (B, T, V)
    logprobs = torch.log_softmax(logits[:, :-1].float(), dim=-1)
    token_lp = logprobs.gather(-1, sequences[:, 1:, None]).squeeze(-1)  # (B, T-1)
    mask = attention_mask[:, 1:].clone()
    mask[:, : prompt_len - 1] = 0  # score only the generated tokens
    return -(token_lp * mask).sum(-1), mask.sum(-1)


def _generated_mask(generated, eos_id: int):
    """1 for generated tokens up to and including the first </s>, 0 after it."""
    import torch

    is_eos = (generated == eos_id).int()
    after_eos = (is_eos.cumsum(-1) - is_eos) > 0
    return (~after_eos).to(torch.long)


def generate_responses(
    model, tokenizer, prompts: list[str], params: Mapping[str, Any], seed: int
) -> pd.DataFrame:
    """Sample one response per prompt; returns prompt, response, gen_nll, n_tokens and the
    response's token ids."""
    import torch

    torch.manual_seed(seed)
    model.eval()
    rows = []
    batch_size = params["batch_size"]
    for start in progress(range(0, len(prompts), batch_size), desc="generate", unit="batch"):
        batch = prompts[start : start + batch_size]
        texts = templates.prompts(batch, tokenizer)
        enc = tokenizer(texts, return_tensors="pt", padding=True).to(model.device)
        with torch.no_grad():
            out = model.generate(
                **enc,
                do_sample=True,
                temperature=params["temperature"],
                top_p=params["top_p"],
                max_new_tokens=params["max_new_tokens"],
                pad_token_id=tokenizer.pad_token_id,
                eos_token_id=tokenizer.eos_token_id,
            )
        prompt_len = enc["input_ids"].shape[1]
        generated = out[:, prompt_len:]
        gen_mask = _generated_mask(generated, tokenizer.eos_token_id)
        mask = torch.cat([enc["attention_mask"], gen_mask], dim=1)
        nll, count = _sequence_nll(model, out, mask, prompt_len)
        generated, gen_mask, nll, count = (t.cpu() for t in (generated, gen_mask, nll, count))
        for i, prompt in enumerate(batch):
            ids = generated[i][gen_mask[i].bool()]
            rows.append(
                {
                    "prompt": prompt,
                    "response": tokenizer.decode(ids, skip_special_tokens=True).strip(),
                    "gen_nll": float(nll[i] / max(int(count[i]), 1)),
                    "n_tokens": int(count[i]),
                    # the emitted tokens themselves (</s> included when generated): training
                    # on them, not on the decoded text, keeps the generator's distribution
                    "response_ids": ids.tolist(),
                }
            )
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
