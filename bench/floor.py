"""A finished run against its compute floor and against the planner (hooke.costs): per rule,
the job-seconds Snakemake's `benchmark:` files recorded, the floor (the rule's arithmetic:
6·N per training token, 2·N per token of every forward pass, generation included, at the FLOP
rate of a bare PyTorch training loop measured here and now) and the planner's prediction (the
floor plus a fixed start-up per job). Goals: the whole run's wall time ≤ 1.5× its floor
spread over the cores; the planner within 2×. Run after a clean run of the config, on an idle
machine:

    .venv/bin/python bench/floor.py [--run DIR] [--configfile F] [--wall S] [--cores 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from common import append  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
START_S = 6.0  # the planner's start-up per job

SQL = """
SELECT regexp_extract(filename, 'benchmarks/([^/]+)/', 1) AS rule, count(*) AS jobs,
       sum(s) AS seconds
FROM read_csv($files, filename = true, delim = '\t', header = true)
GROUP BY rule
"""


def main() -> None:
    import duckdb

    from hooke.config import fill_defaults
    from hooke.costs import measure_cpu_flops, plan
    from hooke.plan import planned_jobs

    parser = argparse.ArgumentParser()
    parser.add_argument("--run", type=Path, default=ROOT, help="the run's working directory")
    parser.add_argument("--configfile", type=Path, default=ROOT / "config" / "config.yaml")
    parser.add_argument("--wall", type=float, help="the run's elapsed seconds, as measured")
    parser.add_argument("--cores", type=int, default=2, help="cores the run had")
    args = parser.parse_args()
    files = sorted(str(p) for p in (args.run / "benchmarks").rglob("*.tsv"))
    measured = duckdb.execute(SQL, {"files": files}).df().set_index("rule")
    config = fill_defaults(yaml.safe_load(args.configfile.read_text()), ROOT / "config/schema.yaml")
    rate = measure_cpu_flops(config)
    with tempfile.TemporaryDirectory() as empty:
        jobs = planned_jobs(args.configfile, Path(empty))
    rows = plan(
        config, jobs, gpu_flops=1e15, mfu=0.35, decode_mfu=0.03, cpu_flops=rate, job_start_s=0.0
    )
    lines = [
        "| rule | jobs | measured job-s | floor (s) | measured / floor | planned (s) "
        "| measured / planned |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    totals = {"seen": 0.0, "floor": 0.0, "plan": 0.0}
    for row in sorted(rows, key=lambda r: -float(measured.seconds.get(r["rule"], 0.0))):
        seen = float(measured.seconds.get(row["rule"], 0.0))
        if not seen:
            continue
        floor = row["cpu_hours"] * 3600
        planned = floor + row["jobs"] * START_S
        totals["seen"] += seen
        totals["floor"] += floor
        totals["plan"] += planned
        lines.append(
            f"| {row['rule']} | {row['jobs']:.0f} | {seen:,.0f} | {floor:,.1f} "
            f"| {_ratio(seen, floor)} | {planned:,.0f} | {seen / planned:.2f}× |"
        )
    lines.append(
        f"| **all** | {len(files)} | {totals['seen']:,.0f} | {totals['floor']:,.1f} "
        f"| {_ratio(totals['seen'], totals['floor'])} | {totals['plan']:,.0f} "
        f"| {totals['seen'] / totals['plan']:.2f}× |"
    )
    note = (
        f"\n\nFloor: FLOPs at {rate / 1e9:.2f} GFLOP/s (a bare AdamW training loop, one thread, "
        f"the shape of the config's first pre-training run); planned: the floor + {START_S:.0f} s "
        "start-up per job (what `make plan` assumes)."
    )
    if args.wall:
        spread = totals["floor"] / args.cores
        note += (
            f" Whole run: {args.wall:,.0f} s of wall time against a floor of {spread:,.0f} s "
            f"spread over {args.cores} cores: **{args.wall / spread:.1f}×**."
        )
    append(f"The run against its compute floor ({args.configfile.name})", "\n".join(lines) + note)


def _ratio(seen: float, floor: float) -> str:
    return f"{seen / floor:,.1f}×" if floor else "— (no arithmetic)"


if __name__ == "__main__":
    main()
