"""Model FLOPs utilisation of hooke's training set-up (HF Trainer with hooke's arguments,
bf16 on a GPU, optionally DeepSpeed ZeRO): a Llama-shaped model of a preset size trained on
full-length blocks of random tokens, tokens per second measured after warm-up, and
MFU = tokens/s x FLOPs per token / the device's peak dense bf16 FLOPs.

    python bench/gpu_mfu.py --size 500m              # the issue's ~0.5B model
    python bench/gpu_mfu.py --size 100m --steps 30   # the smoke test's model
    python -m deepspeed.launcher.runner --num_gpus 1 bench/gpu_mfu.py --deepspeed zero2

FLOPs per token = 6 x parameters (forward + backward) + 12 x layers x hidden x sequence
(attention scores), the usual PaLM-appendix estimate. On a CPU it prints tokens/s only.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import append  # noqa: E402

# Llama-shaped presets (32k vocabulary): parameters include the embeddings.
SIZES = {
    "tiny": dict(hidden_size=64, intermediate_size=176, num_hidden_layers=2, num_attention_heads=4),
    "100m": dict(
        hidden_size=768, intermediate_size=2048, num_hidden_layers=12, num_attention_heads=12
    ),
    "500m": dict(
        hidden_size=1280, intermediate_size=3456, num_hidden_layers=24, num_attention_heads=20
    ),
}
# Peak dense bf16 tensor FLOPs per second by device name (vendor data sheets, no sparsity).
PEAKS = {"H200": 989e12, "H100": 989e12, "A100": 312e12, "L40S": 362e12, "A10": 125e12}


def peak_flops(name: str) -> float | None:
    for key, value in PEAKS.items():
        if key in name:
            return value
    return None


def flops_per_token(params: int, layers: int, hidden: int, seq: int) -> float:
    return 6 * params + 12 * layers * hidden * seq


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="500m")
    parser.add_argument("--seq", type=int, default=2048)
    parser.add_argument("--batch", type=int, default=16, help="global batch (sequences)")
    parser.add_argument("--micro", type=int, default=None, help="sequences per forward pass")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--deepspeed", default=None, help="zero2 | zero3 (needs the launcher)")
    args = parser.parse_args()

    import torch
    from datasets import Dataset
    from transformers import LlamaConfig, LlamaForCausalLM, Trainer, TrainerCallback

    from hooke import distributed
    from hooke.trainer import training_arguments

    on_gpu = torch.cuda.is_available()
    distributed.configure(
        {
            "precision": "auto",
            "micro_batch_size": args.micro,
            "deepspeed": args.deepspeed,
            "attention": "sdpa",
        }
    )
    shape = SIZES[args.size]
    config = LlamaConfig(
        vocab_size=32000,
        max_position_embeddings=args.seq,
        num_key_value_heads=shape["num_attention_heads"],
        **shape,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    params = sum(p.numel() for p in model.parameters())
    n_rows = args.batch * (args.steps + 1)
    ids = torch.randint(0, config.vocab_size, (n_rows, args.seq)).tolist()
    data = Dataset.from_dict({"input_ids": ids, "labels": ids})

    class Timer(TrainerCallback):
        def __init__(self):
            self.marks = []

        def on_step_end(self, *_, **__):
            if on_gpu:
                torch.cuda.synchronize()
            self.marks.append(time.perf_counter())

    timer = Timer()
    with tempfile.TemporaryDirectory() as out:
        trainer = Trainer(
            model=model,
            args=training_arguments(
                out,
                max_steps=args.steps,
                per_device_train_batch_size=args.batch,
                learning_rate=1e-4,
                logging_steps=10,
            ),
            train_dataset=data,
            callbacks=[timer],
        )
        trainer.train()
    timed = timer.marks[args.warmup :]
    seconds = timed[-1] - timed[0]
    tokens = (len(timed) - 1) * args.batch * args.seq
    rate = tokens / seconds
    per_token = flops_per_token(params, config.num_hidden_layers, config.hidden_size, args.seq)
    device = torch.cuda.get_device_name() if on_gpu else "CPU"
    peak = peak_flops(device) if on_gpu else None
    world = distributed.world_size()
    mfu = f"{rate * per_token / (peak * world):.1%}" if peak else "n/a (no known peak)"
    if distributed.is_main_process():
        table = "\n".join(
            [
                "| model | params | seq | global batch | precision | DeepSpeed | tokens/s | MFU |",
                "|---|---|---|---|---|---|---|---|",
                f"| {args.size} on {world}x {device} | {params / 1e6:.0f}M | {args.seq} | "
                f"{args.batch} | {'bf16' if on_gpu else 'fp32'} | {args.deepspeed or '-'} | "
                f"{rate:,.0f} | {mfu} |",
            ]
        )
        append(f"Training MFU ({args.size})", table)


if __name__ == "__main__":
    main()
