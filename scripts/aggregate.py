"""Build the Setting I tables with DuckDB SQL (see hooke.aggregate)."""

from hooke.aggregate import run_table, write_table
from hooke.script import entry

out = snakemake.output
with entry(snakemake):
    files = {
        "resistance": snakemake.input.inverse,
        "resistance_curves": snakemake.input.inverse,
        "harvest_scores": snakemake.input.scores,
        "scorer": snakemake.input.scorer,
    }
    paths = {
        "resistance": (out.resistance, out.resistance_md),
        "resistance_curves": (out.curves, out.curves_md),
        "harvest_scores": (out.harvest_scores, out.harvest_scores_md),
        "scorer": (out.scorer, out.scorer_md),
    }
    for table, inputs in files.items():
        frame = run_table(inputs, table, {"tail": snakemake.params.tail})
        write_table(frame, *paths[table])
        print(f"{table}: {len(frame)} rows")
