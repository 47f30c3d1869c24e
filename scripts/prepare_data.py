"""Split a task's reviews into Parquet (see hooke.data)."""

from hooke.data import prepare_data
from hooke.script import entry

with entry(snakemake, uses_torch=False, online=True):
    counts = prepare_data(snakemake.params.spec, dict(snakemake.output.items()))
    print("rows per split:", counts)
