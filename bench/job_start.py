"""Fixed cost of a job: a fresh interpreter importing what one rule family needs before its
first useful step, median of repeated runs (run it on an idle machine).

    .venv/bin/python bench/job_start.py [--repeats 5]

Families: `report` (tables, verdicts, figures: DuckDB, SciPy, Altair; no torch since jobs
that never touch a model skip it), `torch` (every training and scoring job: torch,
transformers, datasets) and `trl` (the preference and RL engines)."""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

FAMILIES = {
    "bare": "import hooke.script",
    "report": "import hooke.script, hooke.aggregate, hooke.verdicts, hooke.figures, scipy.stats",
    "torch": "import hooke.script, torch, transformers, datasets; from transformers import Trainer",
    "trl": "import hooke.script, torch, transformers, trl; from trl import DPOTrainer",
}


def measure(code: str, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print("| family | imports | median start (s) |")
    print("|---|---|---|")
    for name, code in FAMILIES.items():
        print(f"| {name} | `{code}` | {measure(code, args.repeats):.2f} |")


if __name__ == "__main__":
    main()
