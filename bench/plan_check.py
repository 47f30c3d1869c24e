"""The planner (hooke.plan) against a measured run: per rule, the CPU-seconds `make plan`
predicts for the config against the job-seconds Snakemake's `benchmark:` files recorded.
Goal: the whole run within 2× of the plan. Run after a clean run of the config, on an idle
machine (the planner measures its CPU rate here):

    .venv/bin/python bench/plan_check.py [--run DIR] [--configfile F]
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
    args = parser.parse_args()
    files = sorted(str(p) for p in (args.run / "benchmarks").rglob("*.tsv"))
    measured = duckdb.execute(SQL, {"files": files}).df().set_index("rule")
    config = fill_defaults(yaml.safe_load(args.configfile.read_text()), ROOT / "config/schema.yaml")
    rate = measure_cpu_flops(config)
    with tempfile.TemporaryDirectory() as empty:
        jobs = planned_jobs(args.configfile, Path(empty))
    rows = plan(
        config, jobs, gpu_flops=1e15, mfu=0.35, decode_mfu=0.03, cpu_flops=rate, job_start_s=6.0
    )
    lines = [
        "| rule | jobs | planned CPU-s | measured job-s | measured / planned |",
        "|---|---:|---:|---:|---:|",
    ]
    total_plan = total_measured = 0.0
    for row in sorted(rows, key=lambda r: -r["cpu_hours"]):
        planned = row["cpu_hours"] * 3600
        seen = float(measured.seconds.get(row["rule"], 0.0))
        if not seen:
            continue
        total_plan, total_measured = total_plan + planned, total_measured + seen
        lines.append(
            f"| {row['rule']} | {row['jobs']:.0f} | {planned:,.0f} | {seen:,.0f} "
            f"| {seen / planned:.2f}× |"
        )
    lines.append(
        f"| **total** | | {total_plan:,.0f} | {total_measured:,.0f} "
        f"| {total_measured / total_plan:.2f}× |"
    )
    lines.append(
        f"\nCPU rate measured by the planner: {rate / 1e9:.2f} GFLOP/s per job "
        "(one thread); 6 s start-up per job."
    )
    append(f"Planner vs measured run ({args.configfile.name})", "\n".join(lines))


if __name__ == "__main__":
    main()
