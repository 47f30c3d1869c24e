"""What makes a rebound curve rise before it falls? The same aligned models (and the base)
perturbed by negative SFT through hooke's real perturbation job, under variants that each
remove one suspect: a fresh Adam's first steps (a warm-up; a burn-in of steps at learning
rate 0 that fills Adam's moments without moving the model), the data order (another draw),
or the optimiser itself (plain SGD-like momentum is not offered by the engines, so Adam's
epsilon is raised to make its first steps gradient-sized). Readouts on held-out text at a
fine early grid; the rise is the margin's largest excess over its start in the first 64
examples. Run after the aligned models exist (a run of config/miniature.yaml's tiny-xs base):

    .venv/bin/python bench/transient.py --run /work/exp/transient
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from common import append  # noqa: E402

GRID = [0, 8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 400]
VARIANTS = {
    "adam, no warm-up": {},
    "warm-up 4 steps": {"warmup_steps": 4},
    "burn-in 8 steps at lr 0": {"burn_in_steps": 8},
    "another data order": {"draw": "per_seed"},
    "adam eps 1e-3": {"adam_epsilon": 1e-3},
}


def main() -> None:
    from hooke.grid_readouts import ReadoutSpec
    from hooke.rebound import finetune_perturbed
    from hooke.runtime import setup

    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--run", type=Path, required=True, help="a run directory holding the models"
    )
    parser.add_argument("--base", default="tiny-xs-800k")
    args = parser.parse_args()
    setup(1, 0)
    run = args.run / "results"
    data = run / "data" / "imdb"
    base_dir = run / "pretrain" / "tiny-xs" / "tokens-800000"
    starts = {0: base_dir}
    for n in (250, 1000):
        starts[n] = run / f"rebound/{args.base}/imdb/positive_first/sft/seed-0/aligned-{n}/model"
    rows = []
    for name, extra in VARIANTS.items():
        params = {"batch_size": 8, "learning_rate": 0.0005, "max_length": 96, "beta": 0.1, **extra}
        for n, start in starts.items():
            out = args.run / "transient" / name.replace(" ", "_") / f"aligned-{n}"
            outputs = {k: out / f"{k}.parquet" for k in ("readouts", "responses", "metrics")}
            if not outputs["readouts"].is_file():
                spec = ReadoutSpec(
                    str(base_dir),
                    str(data / "prompts.parquet"),
                    str(data / "scorer.parquet"),
                    str(data / "positive.parquet"),
                    {"prompts": 8, "max_length": 96, "compression_texts": 128, "sample_at": []},
                )
                meta = {
                    "setting": "transient",
                    "base": args.base,
                    "task": "imdb",
                    "seed": 1,
                    "direction": "positive_first",
                    "aligner": "sft",
                    "config_hash": "x",
                    "n": n,
                }
                finetune_perturbed(
                    start,
                    data / "negative.parquet",
                    data / "positive.parquet",
                    outputs,
                    "sft",
                    GRID,
                    params,
                    meta,
                    spec,
                )
            readouts = pd.read_parquet(outputs["readouts"]).pivot_table(
                index="n_neg", columns="metric", values="value"
            )
            early = readouts.loc[readouts.index <= 64]
            rows.append(
                {
                    "variant": name,
                    "aligned": n,
                    "margin_0": readouts.margin.iloc[0],
                    "rise": float((early.margin - readouts.margin.iloc[0]).max()),
                    "at": int((early.margin - readouts.margin.iloc[0]).idxmax()),
                    "margin_400": readouts.margin.iloc[-1],
                    "d_bpb_aligned_16": float(
                        readouts.bpb_aligned.loc[16] - readouts.bpb_aligned.iloc[0]
                    ),
                    "d_bpb_perturbing_16": float(
                        readouts.bpb_perturbing.loc[16] - readouts.bpb_perturbing.iloc[0]
                    ),
                    "d_bpb_pretrain_16": float(
                        readouts.bpb_pretrain.loc[16] - readouts.bpb_pretrain.iloc[0]
                    ),
                }
            )
    table = pd.DataFrame(rows)
    append(
        "The transient: what makes a rebound curve rise first (issue 35)",
        table.to_markdown(index=False, floatfmt="+.4f"),
    )


if __name__ == "__main__":
    main()
