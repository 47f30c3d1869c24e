"""Pre-train one local run and save its slices (see hooke.pretrain)."""

from hooke.pretrain import pretrain_run
from hooke.script import entry

run = snakemake.wildcards.run
with entry(snakemake, seed=snakemake.params.spec["seed"], trains=True):
    losses = pretrain_run(
        snakemake.params.spec,
        snakemake.input.text,
        snakemake.output.run,
        run=run,
    )
    print("final loss per slice (tokens: loss):", losses)
