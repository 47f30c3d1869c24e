"""Pre-train one local run and save its slices (see hooke.pretrain)."""

from hooke.pretrain import pretrain_slices
from hooke.script import entry

spec = snakemake.params.spec
with entry(snakemake, seed=spec["seed"], trains=True):
    losses = pretrain_slices(
        spec, snakemake.input.text, snakemake.output.run, snakemake.wildcards.run
    )
    print("final loss per slice (tokens: loss):", losses)
