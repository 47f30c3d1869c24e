"""Build the Setting I tables with DuckDB SQL (see hooke.aggregate, hooke.resistance)."""

from hooke.aggregate import connect, run_sql
from hooke.atomic import write_table, write_text
from hooke.resistance import resistance_tables, table1_markdown
from hooke.script import entry

inputs, out, params = snakemake.input, snakemake.output, snakemake.params
with entry(snakemake, uses_torch=False):
    con = connect([*inputs.inverse, *inputs.scores, *inputs.scorer], inputs.examples)
    tables = resistance_tables(con, {"tail": params.tail})
    tables["harvest_scores"] = run_sql(con, "harvest_scores")
    tables["scorer"] = run_sql(con, "scorer")
    for name, frame in tables.items():
        write_table(frame, getattr(out, name), getattr(out, f"{name}_md"))
        print(f"{name}: {len(frame)} rows")
    write_text(table1_markdown(tables["resistance_cells"]), out.resistance_table1)
