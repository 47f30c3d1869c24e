"""Build the Setting II tables (see hooke.rebound_summary)."""

from hooke.aggregate import connect
from hooke.atomic import write_table
from hooke.rebound_summary import rebound_tables
from hooke.script import entry

out, params = snakemake.output, snakemake.params
with entry(snakemake, uses_torch=False):
    tables = rebound_tables(
        connect(snakemake.input.scores),
        {"epsilon": params.epsilon, "early_examples": params.early_examples},
    )
    for name, frame in tables.items():
        write_table(frame, getattr(out, name), getattr(out, f"{name}_md"))
        print(f"{name}: {len(frame)} rows")
