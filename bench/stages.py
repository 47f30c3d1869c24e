"""The miniature, stage by stage: wall time and peak memory from Snakemake's `benchmark:`
files (one per job), aggregated with DuckDB. Goals: ≤ 5 minutes of pipeline on 2 cores,
peak RSS ≤ 3 GiB. Run after a clean `make run` (`make clean && make run`):

    .venv/bin/python bench/stages.py [--wall SECONDS]

`--wall` records the pipeline's elapsed time as Snakemake printed it (jobs overlap on 2 cores,
so the sum of job times exceeds it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import append  # noqa: E402

SQL = """
SELECT regexp_extract(filename, 'benchmarks/([^/]+)/', 1) AS rule,
       count(*) AS jobs,
       round(sum(s), 1) AS seconds,
       round(max(s), 1) AS longest_job_s,
       round(max(max_rss), 0) AS peak_rss_mb
FROM read_csv($files, filename = true, delim = '\t', header = true)
GROUP BY rule
ORDER BY seconds DESC
"""


def main() -> None:
    import duckdb

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmarks", default="benchmarks")
    parser.add_argument("--wall", type=float, help="elapsed seconds of the whole pipeline")
    args = parser.parse_args()
    files = sorted(str(p) for p in Path(args.benchmarks).rglob("*.tsv"))
    frame = duckdb.connect().execute(SQL, {"files": files}).df()
    total = frame.seconds.sum()
    lines = [
        "| rule | jobs | job seconds (sum) | longest job (s) | peak RSS (MB) |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.rule} | {r.jobs} | {r.seconds} | {r.longest_job_s} | {r.peak_rss_mb:.0f} |"
        for r in frame.itertuples()
    ]
    lines.append(
        f"| **all** | {frame.jobs.sum()} | {total:.1f} | | {frame.peak_rss_mb.max():.0f} |"
    )
    note = f"\n\nPipeline wall time: {args.wall:.0f} s." if args.wall else ""
    append(
        "The miniature per stage (goals: ≤ 5 min on 2 cores, peak RSS ≤ 3 GiB)",
        "\n".join(lines) + note,
    )


if __name__ == "__main__":
    main()
