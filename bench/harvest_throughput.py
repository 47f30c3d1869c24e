"""Harvest throughput: hooke's batched, cached sampling loop against HF `generate` on the same
prompts and settings, in generated tokens per second (goal: batched ≥ 10× a per-prompt loop).
The reference is what the harvest did before the loop: HF `generate` (top_k=0, the same
distribution) then a teacher-forced pass for each response's likelihood. Run after
`make run`:

    .venv/bin/python bench/harvest_throughput.py [--prompts 200] [--threads 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import append  # noqa: E402


def reference(model, tokenizer, prompts, settings, batch_size):
    """HF generate, then one forward pass for the generated tokens' NLL; returns the number
    of generated tokens (up to and including </s>)."""
    import torch

    torch.manual_seed(0)
    tokens = 0
    for start in range(0, len(prompts), batch_size):
        enc = tokenizer(prompts[start : start + batch_size], return_tensors="pt", padding=True)
        with torch.no_grad():
            out = model.generate(
                **enc,
                do_sample=True,
                top_k=0,
                temperature=settings["temperature"],
                top_p=settings["top_p"],
                max_new_tokens=settings["max_new_tokens"],
                pad_token_id=tokenizer.pad_token_id,
                eos_token_id=tokenizer.eos_token_id,
            )
            generated = out[:, enc["input_ids"].shape[1] :]
            is_eos = (generated == tokenizer.eos_token_id).int()
            keep = ((is_eos.cumsum(-1) - is_eos) == 0).long()
            mask = torch.cat([enc["attention_mask"], keep], 1)
            positions = (mask.cumsum(-1) - 1).clamp(min=0)
            logits = model(input_ids=out, attention_mask=mask, position_ids=positions).logits
            torch.log_softmax(logits[:, :-1].float(), -1).gather(-1, out[:, 1:, None])
        tokens += int(keep.sum())
    return tokens


def main() -> None:
    import pandas as pd
    import torch

    from hooke.generate import generate_responses
    from hooke.models import load_model, load_tokenizer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="results/sft/tiny-800k/imdb/slice-3")
    parser.add_argument("--prompts-file", default="results/data/imdb/prompts.parquet")
    parser.add_argument("--prompts", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--max-new-tokens", type=int, default=40)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = load_model(args.model).eval()
    tokenizer = load_tokenizer(args.model, padding_side="left")
    prompts = pd.read_parquet(args.prompts_file).prompt.head(args.prompts).tolist()
    settings = {"temperature": 1.0, "top_p": 1.0, "max_new_tokens": args.max_new_tokens}
    batch = args.batch_size
    cases = {
        "HF generate + NLL pass, per-prompt loop": lambda: reference(
            model, tokenizer, prompts, settings, 1
        ),
        f"HF generate + NLL pass, batched ({batch})": lambda: reference(
            model, tokenizer, prompts, settings, batch
        ),
        f"hooke loop, batched ({batch})": lambda: int(
            generate_responses(
                model, tokenizer, prompts, {**settings, "batch_size": batch}, 0
            ).n_tokens.sum()
        ),
        f"hooke loop, batched ({len(prompts)})": lambda: int(
            generate_responses(
                model, tokenizer, prompts, {**settings, "batch_size": len(prompts)}, 0
            ).n_tokens.sum()
        ),
    }
    rows = []
    for name, run in cases.items():
        start = time.perf_counter()
        tokens = run()
        seconds = time.perf_counter() - start
        rows.append((name, seconds, tokens / seconds))
    base = rows[0][1]
    table = ["| harvest | seconds | generated tokens/s | vs per-prompt loop |", "|---|---|---|---|"]
    table += [f"| {name} | {sec:.1f} | {tps:,.0f} | {base / sec:.1f}× |" for name, sec, tps in rows]
    append(
        "Harvest: batched sampling vs a per-prompt loop (goal ≥ 10×)",
        "\n".join(table) + f"\n\n{args.prompts} prompts, up to {args.max_new_tokens} new "
        f"tokens, {args.threads} threads, model {args.model}",
    )


if __name__ == "__main__":
    main()
