"""The bill of a config before it runs: per rule, its jobs (Snakemake's own dry run), their
arithmetic, GPU-hours at a stated MFU, CPU-hours at a measured rate, disk and downloads (the
cost model is hooke.costs').

    python -m hooke.plan --configfile config/paper.yaml      (or: make plan CONFIG=...)
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hooke.config import fill_defaults
from hooke.configfile import read_configfile
from hooke.costs import measure_cpu_flops, peak_disk, plan
from hooke.errors import HookeError

ROOT = Path(__file__).resolve().parents[2]


def planned_jobs(configfile: Path | None, workdir: Path) -> list[tuple[str, dict[str, str]]]:
    """(rule, wildcards) of every job Snakemake would run for the config in `workdir`."""
    cmd = [sys.executable, "-m", "snakemake", "-n", "--snakefile", str(ROOT / "Snakefile")]
    cmd += ["--directory", str(workdir), "--cores", "1"]
    cmd += ["--configfile", str(configfile)] if configfile else []
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        sys.exit(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "dry run failed")
    jobs, rule = [], None
    for line in out.stdout.splitlines():
        match = re.match(r"^(?:local)?rule (\w+):$", line)
        if match:
            rule = match.group(1)
            jobs.append((rule, {}))
        elif rule and line.strip().startswith("wildcards:"):
            pairs = line.split(":", 1)[1].split(",")
            jobs[-1][1].update(p.strip().split("=", 1) for p in pairs if "=" in p)
    return jobs


def render(rows: list[dict], settings: Mapping[str, Any]) -> str:
    """The plan as a Markdown table, with a total row and the settings it assumed."""
    cpu = settings["cpu_flops"] is not None
    head = "| rule | jobs | PFLOPs | GPU-hours |" + (" CPU-hours |" if cpu else "")
    head += " disk kept (GB) | download (GB) |"
    lines = [head, "|---|" + "---:|" * (head.count("|") - 2)]
    total = dict.fromkeys(("jobs", "pflops", "gpu_hours", "cpu_hours", "disk", "download"), 0.0)
    for row in sorted(rows, key=lambda r: -(r["flops"] + r["decode"])):
        row = {**row, "pflops": (row["flops"] + row["decode"]) / 1e15}
        for key in total:
            total[key] += row.get(key, 0.0)
        flag = f" ({row['unknown']:.0f} of unknown size)" if row["unknown"] else ""
        lines.append(_line(f"{row['rule']}{flag}", row, cpu))
    lines.append(_line("**total**", total, cpu))
    lines.append("")
    lines.append(
        "Peak disk ≈ {peak_gb:,.1f} GB with {concurrent} jobs at once (kept + the optimizer "
        "states of the training jobs running). GPU-hours: training and "
        "prefill at {mfu:.0%} MFU, decoding at {decode_mfu:.0%}, of {gpu_flops:.3g} FLOP/s "
        "a GPU{cpu_note}; {job_start_s:g} s start-up per job. Scorer models downloaded by "
        "train_scorer are not counted.".format(
            peak_gb=settings["peak"] / 1e9,
            cpu_note=(
                f"; CPU-hours at {settings['cpu_flops']:.3g} FLOP/s ({settings['cpu_source']})"
                if cpu
                else ""
            ),
            **settings,
        )
    )
    return "\n".join(lines)


def _line(name: str, row: Mapping[str, float], cpu: bool) -> str:
    cells = [name, f"{row['jobs']:.0f}", f"{row['pflops']:,.3f}", f"{row['gpu_hours']:,.2f}"]
    if cpu:
        cells.append(f"{row['cpu_hours']:,.3f}")
    cells += [f"{row[k] / 1e9:,.1f}" for k in ("disk", "download")]
    return "| " + " | ".join(cells) + " |"


OPTIONS = [
    ("--gpu-flops", float, 989e12, "peak FLOP/s of one GPU (default: H100 SXM, dense bf16)"),
    ("--mfu", float, 0.35, "model FLOPs utilisation of training and prefill"),
    ("--decode-mfu", float, 0.03, "MFU of generation, token by token (memory-bound)"),
    (
        "--cpu-flops",
        float,
        None,
        "FLOP/s of one CPU job (default: measured here by a bare "
        "training loop when the config pre-trains locally)",
    ),
    ("--job-start", float, 6.0, "seconds a job spends starting up and loading models"),
    ("--jobs", int, 64, "jobs at once (profiles/slurm: 64), for the peak disk"),
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="hooke.plan", description=__doc__.split("\n\n")[0])
    parser.add_argument("--configfile", type=Path, help="the config (default: config/config.yaml)")
    for flag, kind, default, text in OPTIONS:
        parser.add_argument(flag, type=kind, default=default, help=text)
    args = parser.parse_args(argv)
    path = args.configfile or ROOT / "config" / "config.yaml"
    try:
        config = fill_defaults(read_configfile(path), ROOT / "config" / "schema.yaml")
    except HookeError as exc:
        sys.exit(f"hooke: error: {exc}")
    with tempfile.TemporaryDirectory() as empty:  # the whole bill, not what is left
        jobs = planned_jobs(args.configfile, Path(empty))
    cpu_flops = args.cpu_flops
    if cpu_flops is None and config.get("pretrain"):
        cpu_flops = measure_cpu_flops(config)
    rows = plan(
        config,
        jobs,
        gpu_flops=args.gpu_flops,
        mfu=args.mfu,
        decode_mfu=args.decode_mfu,
        cpu_flops=cpu_flops,
        job_start_s=args.job_start,
    )
    settings = {
        "gpu_flops": args.gpu_flops,
        "mfu": args.mfu,
        "decode_mfu": args.decode_mfu,
        "cpu_flops": cpu_flops,
        "cpu_source": "given" if args.cpu_flops else "measured here",
        "job_start_s": args.job_start,
        "concurrent": args.jobs,
        "peak": peak_disk(rows, args.jobs),
    }
    print(f"plan of {path.name}: {len(jobs)} jobs")
    print(render(rows, settings))


if __name__ == "__main__":
    main()
