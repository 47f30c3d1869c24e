"""Rank the benchmark's methods by rebound speed (see hooke.defences.ranking)."""

from hooke.aggregate import connect
from hooke.atomic import write_table
from hooke.defences.ranking import defences_table
from hooke.script import entry
from hooke.verdicts import margin_runs

params, out = snakemake.params, snakemake.output
with entry(snakemake, uses_torch=False):
    runs = margin_runs(connect(list(snakemake.input.scores)))
    runs = runs[runs.aligner.isin(params.methods)]
    table, fits = defences_table(runs, params.methods, params.alpha, params.seed, params.attacks)
    write_table(table, out.defences, out.defences_md)
    write_table(fits, out.defence_runs, out.defence_runs_md)
    print(table[["method", "attack", "half_gain", "ci_low", "ci_high", "rank"]])
