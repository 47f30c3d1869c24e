"""Training throughput of hooke's fine-tuning stage (HF Trainer with hooke's arguments) against
a bare PyTorch loop on the same model, data, batch and optimizer, and the padding share of the
batches with random and with length-grouped order. Run after `make run` (it reads the
miniature's data and base model):

    .venv/bin/python bench/train_throughput.py [--steps 60] [--threads 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import append  # noqa: E402


def batches_padding(dataset, tokenizer, batch_size: int, grouped: bool, seed: int) -> float:
    """Share of padded positions in the batches a sampler would build."""
    import torch
    from transformers.trainer_pt_utils import LengthGroupedSampler

    lengths = [len(ids) for ids in dataset["input_ids"]]
    if grouped:
        generator = torch.Generator().manual_seed(seed)
        order = list(LengthGroupedSampler(batch_size, lengths=lengths, generator=generator))
    else:
        order = torch.randperm(len(lengths), generator=torch.Generator().manual_seed(seed)).tolist()
    real = padded = 0
    for start in range(0, len(order), batch_size):
        chunk = [lengths[i] for i in order[start : start + batch_size]]
        real += sum(chunk)
        padded += max(chunk) * len(chunk)
    return 1 - real / padded


def bare_loop(model, dataset, tokenizer, batch_size, lr, steps, seed):
    """Tokens per second of a plain AdamW loop over shuffled batches (after 5 warm-up steps)."""
    import torch

    from hooke.trainer import collator

    torch.manual_seed(seed)
    collate = collator(tokenizer)
    loader = torch.utils.data.DataLoader(
        list(dataset), batch_size=batch_size, shuffle=True, collate_fn=collate
    )
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    tokens, start, done = 0, None, 0
    while done < steps + 5:
        for batch in loader:
            if done == 5:
                start, tokens = time.perf_counter(), 0
            loss = model(**batch).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            tokens += int(batch["attention_mask"].sum())
            done += 1
            if done >= steps + 5:
                break
    return tokens / (time.perf_counter() - start)


def trainer_loop(model, dataset, tokenizer, batch_size, lr, steps, seed, grouped):
    """Tokens per second of hooke's Trainer set-up (same warm-up excluded via two runs)."""
    from transformers import Trainer

    from hooke.trainer import collator, history_records, training_arguments

    def run(n):
        with tempfile.TemporaryDirectory() as out:
            args = training_arguments(
                out,
                max_steps=n,
                per_device_train_batch_size=batch_size,
                learning_rate=lr,
                seed=seed,
                train_sampling_strategy="group_by_length" if grouped else "random",
            )
            trainer = Trainer(
                model=model,
                args=args,
                train_dataset=dataset,
                data_collator=collator(tokenizer),
            )
            begin = time.perf_counter()
            trainer.train()
            seconds = time.perf_counter() - begin
            return seconds, history_records(trainer.state.log_history)[-1]["tokens_seen"]

    short_time, short_tokens = run(5)
    long_time, long_tokens = run(steps + 5)
    return (long_tokens - short_tokens) / (long_time - short_time)


def main() -> None:
    import torch

    from hooke.models import load_model, load_tokenizer
    from hooke.trainer import completion_dataset

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="results/pretrain/tiny/tokens-800000")
    parser.add_argument("--data", default="results/data/imdb/positive.parquet")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    import pandas as pd

    frame = pd.read_parquet(args.data).head(1200)
    tokenizer = load_tokenizer(args.base)
    dataset = completion_dataset(frame.prompt.tolist(), frame.response.tolist(), tokenizer, 96)
    rows = []
    bare = bare_loop(
        load_model(args.base), dataset, tokenizer, args.batch_size, 1e-3, args.steps, 0
    )
    for grouped in (False, True):
        hooke = trainer_loop(
            load_model(args.base), dataset, tokenizer, args.batch_size, 1e-3, args.steps, 0, grouped
        )
        share = batches_padding(dataset, tokenizer, args.batch_size, grouped, 0)
        rows.append(
            (
                f"hooke Trainer, {'length-grouped' if grouped else 'random'} batches",
                hooke,
                hooke / bare,
                share,
            )
        )
    table = [
        "| loop | tokens/s (non-padding) | vs bare loop | padding share |",
        "|---|---|---|---|",
        f"| bare PyTorch loop, random batches | {bare:,.0f} | 1.00× | "
        f"{batches_padding(dataset, tokenizer, args.batch_size, False, 0):.1%} |",
    ]
    table += [
        f"| {name} | {tps:,.0f} | {ratio:.2f}× | {share:.1%} |" for name, tps, ratio, share in rows
    ]
    append(
        "Training throughput (SFT / inverse-FT stage vs bare loop; goals ≥ 0.9×, padding ≤ 10%)",
        "\n".join(table) + f"\n\n{args.steps} timed steps, batch {args.batch_size}, "
        f"{args.threads} threads, model {args.base}",
    )


if __name__ == "__main__":
    main()
