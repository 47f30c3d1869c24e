"""Shared helpers of the benchmarks: the machine line and appending to bench/results.md."""

from __future__ import annotations

import datetime
import os
import platform
import sys
from pathlib import Path

RESULTS = Path(__file__).with_name("results.md")


def machine() -> str:
    import torch

    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    python = platform.python_version()
    return f"{os.cpu_count()} cores, {cpu}, torch {torch.__version__}, Python {python}"


def append(title: str, table: str) -> None:
    """Print a result table and append it, with the machine, date and command, to results.md."""
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = " ".join(["python", *sys.argv])
    text = f"\n## {title}\n\n{stamp} · {machine()}\n\n`{command}`\n\n{table}\n"
    print(text)
    with RESULTS.open("a") as out:
        out.write(text)
