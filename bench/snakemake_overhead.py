"""Snakemake's own overhead: wall time of a no-op re-run of a finished workflow (goal ≤ 3 s) and
of a dry run that plans a config's whole DAG (goal ≤ 10 s for config/paper.yaml, where present).
Run after `make run`:

    .venv/bin/python bench/snakemake_overhead.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import append  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def timed(args: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "snakemake", *args], cwd=ROOT, capture_output=True, text=True
    )
    return time.perf_counter() - start, out.stdout + out.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    cases = [("no-op re-run of the finished miniature", ["--cores", "2"])]
    empty = tempfile.mkdtemp(prefix="hooke-dry-run-")  # nothing done there: the whole DAG
    for config in ("config/config.yaml", "config/paper.yaml"):
        if (ROOT / config).is_file():
            cases.append(
                (
                    f"dry run of {config} (whole DAG)",
                    [
                        "-n",
                        "--snakefile",
                        str(ROOT / "Snakefile"),
                        "--directory",
                        empty,
                        "--configfile",
                        str(ROOT / config),
                    ],
                )
            )
    table = [f"| case | median seconds (of {args.repeats}) | jobs planned |", "|---|---|---|"]
    for name, cmd in cases:
        times, output = zip(*(timed(cmd) for _ in range(args.repeats)), strict=True)
        total = re.search(r"^total\s+(\d+)$", output[-1], re.M)
        jobs = (
            total.group(1)
            if total
            else ("0 (nothing to do)" if "Nothing to be done" in output[-1] else "?")
        )
        table.append(f"| {name} | {statistics.median(times):.2f} | {jobs} |")
    append("Snakemake overhead (goals: no-op re-run ≤ 3 s, paper dry run ≤ 10 s)", "\n".join(table))


if __name__ == "__main__":
    main()
