"""Fixed cost of a job: a fresh interpreter importing what one rule family needs before its
first useful step (median of repeated runs), and where that time goes (`python -X
importtime`, the cumulative import time of each heavy package, first run). Run it on an idle
machine:

    .venv/bin/python bench/job_start.py [--repeats 5]

Families: `report` (tables, verdicts, figures: DuckDB, SciPy, Altair; no torch since jobs
that never touch a model skip it), `score` (scoring and sampling jobs: a model loaded and
read, no Trainer), `train` (the SFT and inverse jobs: HF Trainer) and `trl` (the preference
and RL engines)."""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import append  # noqa: E402

# What a job of each family runs before its first useful step: `hooke.runtime.setup` (threads,
# seeds), its stage's module, and the libraries its model code needs (transformers loads the
# Llama modelling module on first use).
SETUP = "from hooke.runtime import setup; setup(1, 0"
FAMILIES = {
    "bare": "import hooke.script",
    "report": f"{SETUP}, uses_torch=False); import hooke.script, hooke.aggregate, "
    "hooke.verdicts, hooke.figures, scipy.stats",
    "score": f"{SETUP}); import hooke.script, hooke.score; "
    "from transformers import AutoModelForCausalLM; from transformers.models.llama import "
    "modeling_llama",
    "train": f"{SETUP}); import hooke.script, hooke.sft; from transformers import Trainer; "
    "from transformers.models.llama import modeling_llama",
    "trl": f"{SETUP}); import hooke.script, hooke.rebound; from trl import DPOTrainer; "
    "from transformers.models.llama import modeling_llama",
}
PACKAGES = (
    "hooke",
    "torch",
    "transformers",
    "datasets",
    "accelerate",
    "trl",
    "peft",
    "deepspeed",
    "scipy",
    "sklearn",
    "pandas",
    "pyarrow",
    "duckdb",
    "altair",
)


def measure(code: str, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def breakdown(code: str) -> str:
    """Import seconds by top-level package: the cumulative time of every import made at the
    top of the chain (not from inside another package), summed by its root package, from
    -X importtime. Lazy submodules (transformers loads its models on first use) count."""
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True
    ).stderr
    seconds: dict[str, float] = {}
    for line in err.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S+)$", line)
        if match:  # one space after the bar: imported by the job's code, not by a package
            root = match.group(2).split(".")[0]
            if root in PACKAGES:
                seconds[root] = seconds.get(root, 0.0) + int(match.group(1)) / 1e6
    parts = sorted(seconds.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{name} {s:.2f}" for name, s in parts if s >= 0.05) or "—"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    lines = [
        "| family | median start (s) | heavy imports, cumulative s (first import) |",
        "|---|---:|---|",
    ]
    for name, code in FAMILIES.items():
        lines.append(f"| {name} | {measure(code, args.repeats):.2f} | {breakdown(code)} |")
    append(
        "Fixed cost of a job: interpreter start and imports per rule family (goal ≤ 2 s)",
        "\n".join(lines) + "\n\nImports measured in fresh interpreters, as each job starts; "
        f"hooke {measured_code()}.",
    )


def measured_code() -> str:
    """Which hooke the interpreters import (PYTHONPATH may point at another checkout): its
    folder and that checkout's commit."""
    code = "import hooke, os; print(os.path.dirname(hooke.__file__))"
    folder = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    folder = folder.stdout.strip()
    commit = subprocess.run(
        ["git", "-C", folder, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "-C", folder, "status", "--porcelain", "."], capture_output=True, text=True
    )
    return f"from {folder} at {commit.stdout.strip() or 'no commit'}" + (
        " (uncommitted changes)" if dirty.stdout.strip() else ""
    )


if __name__ == "__main__":
    main()
