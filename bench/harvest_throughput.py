"""Harvest throughput: hooke's batched, left-padded sampling against a per-prompt loop on the
same prompts and settings (goal ≥ 5×), in generated tokens per second. Run after `make run`:

    .venv/bin/python bench/harvest_throughput.py [--prompts 100] [--threads 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import append  # noqa: E402


def main() -> None:
    import pandas as pd
    import torch

    from hooke.generate import generate_responses
    from hooke.models import load_model, load_tokenizer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="results/sft/tiny-800k/imdb/slice-3")
    parser.add_argument("--prompts-file", default="results/data/imdb/prompts.parquet")
    parser.add_argument("--prompts", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = load_model(args.model)
    tokenizer = load_tokenizer(args.model, padding_side="left")
    prompts = pd.read_parquet(args.prompts_file).prompt.head(args.prompts).tolist()
    settings = {"temperature": 1.0, "top_p": 1.0, "max_new_tokens": args.max_new_tokens}
    rows = []
    for name, batch in (("per-prompt loop", 1), (f"batched ({args.batch_size})", args.batch_size)):
        start = time.perf_counter()
        out = generate_responses(model, tokenizer, prompts, {**settings, "batch_size": batch}, 0)
        seconds = time.perf_counter() - start
        rows.append((name, seconds, int(out.n_tokens.sum()) / seconds))
    base = rows[0][1]
    table = ["| harvest | seconds | generated tokens/s | speed-up |", "|---|---|---|---|"]
    table += [f"| {name} | {sec:.1f} | {tps:,.0f} | {base / sec:.1f}× |" for name, sec, tps in rows]
    append(
        "Harvest: batched generation vs a per-prompt loop (goal ≥ 5×)",
        "\n".join(table) + f"\n\n{args.prompts} prompts, up to {args.max_new_tokens} new "
        f"tokens, {args.threads} threads, model {args.model}",
    )


if __name__ == "__main__":
    main()
