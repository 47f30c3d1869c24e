"""The software versions behind a run, for the report and for provenance."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

import pandas as pd

PACKAGES = [
    "hooke",
    "torch",
    "transformers",
    "trl",
    "accelerate",
    "datasets",
    "tokenizers",
    "scikit-learn",
    "duckdb",
    "altair",
    "vl-convert-python",
    "snakemake",
    "pandas",
    "pyarrow",
    "numpy",
]


def environment() -> pd.DataFrame:
    rows = [
        {"component": "python", "version": platform.python_version()},
        {"component": "platform", "version": platform.platform()},
    ]
    for package in PACKAGES:
        try:
            rows.append({"component": package, "version": version(package)})
        except PackageNotFoundError:
            rows.append({"component": package, "version": "not installed"})
    return pd.DataFrame(rows)
