"""Setting I's harvest (rule harvest_responses): slice θk answers the held-out prompts, D_k."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hooke.atomic import atomic_file
from hooke.generate import generate_responses, generate_with_vllm
from hooke.models import load_model, load_tokenizer
from hooke.score import invalid_utf8
from hooke.splits import read_split

# The share of responses not valid UTF-8 above which the harvest warns: a byte-level model
# can stop inside a multi-byte character, which a few responses in a hundred may (a cut at
# max_new_tokens); more says the model emits broken bytes.
WARN_INVALID = 0.1


def harvest_responses(
    model_dir: str | Path,
    prompts_path: str | Path,
    out_path: str | Path,
    params: Mapping[str, Any],
    seed: int,
    slice_k: int,
    trust_remote_code=False,
    budget: Mapping[str, Any] | None = None,
) -> None:
    """Let slice θk answer the held-out prompts; write `prompt,response,slice,seed,...`.
    Batched HF generation by default; vLLM when `backend: vllm` (and it is installed).
    `budget` (resistance.inverse): refuse, before writing, responses that cannot fill it."""
    prompts = read_split(prompts_path, ["prompt"])["prompt"].head(params["prompts"]).tolist()
    if params.get("backend", "hf") == "vllm":
        frame = generate_with_vllm(model_dir, prompts, params, seed, trust_remote_code)
    else:
        model = load_model(model_dir, trust_remote_code)
        tokenizer = load_tokenizer(model_dir, trust_remote_code, padding_side="left")
        frame = generate_responses(model, tokenizer, prompts, params, seed)
    frame = frame.assign(slice=slice_k, seed=seed)
    if budget is not None:  # the inverse paths' token budget, said now rather than after
        from hooke.inverse import training_examples  # every slice's harvest has run

        tokenizer = load_tokenizer(model_dir, trust_remote_code)
        training_examples(frame, tokenizer, budget, f"slice {slice_k}'s harvest (seed {seed})")
    bad = int(invalid_utf8(frame["response"]).sum())
    if bad > WARN_INVALID * len(frame):
        print(
            f"hooke: warning: {bad} of {len(frame)} responses of slice {slice_k} (seed {seed}) "
            "hold bytes that are not valid UTF-8 (decoded as U+FFFD): the scorer reads them "
            "so; the inverse paths train on their token ids, which are intact"
        )
    with atomic_file(out_path) as tmp:
        frame.to_parquet(tmp, index=False)
