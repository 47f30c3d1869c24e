"""Judge every pre-stated hypothesis and fit the rebound curves (see hooke.judge_hypotheses)."""

from hooke.aggregate import connect
from hooke.atomic import write_table
from hooke.judge_hypotheses import judge
from hooke.script import entry

inputs, out = snakemake.input, snakemake.output
with entry(snakemake, uses_torch=False):
    con = connect(
        [*inputs.inverse, *inputs.rebound, *inputs.compression, *inputs.planted], inputs.examples
    )
    params = snakemake.params
    tables = judge(con, {**params.verdicts, **params.rebound, "theorem": params.theorem})
    for name, frame in tables.items():
        write_table(frame, getattr(out, name), getattr(out, f"{name}_md"))
    print(tables["verdicts"][["hypothesis", "estimate", "ci_low", "ci_high", "verdict"]])
