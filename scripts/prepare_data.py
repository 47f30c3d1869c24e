"""Split a task's reviews into Parquet (see hooke.data)."""

from hooke.data import prepare_data
from hooke.script import entry

with entry(snakemake, uses_torch=False, online=True):
    outputs = dict(snakemake.output.items())
    counts = prepare_data(snakemake.params.spec, outputs, snakemake.wildcards.task)
    print("rows per split:", counts)
