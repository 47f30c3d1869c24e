"""Train or fetch a task's scorer and record its held-out accuracy (see hooke.scorers)."""

from hooke.provenance import config_hash
from hooke.score import train_scorer
from hooke.script import entry

spec = snakemake.params.spec
with entry(snakemake, seed=spec.get("seed", 0)):
    meta = dict(task=snakemake.wildcards.task, config_hash=config_hash(spec))
    figures = train_scorer(
        spec, snakemake.input.labelled, snakemake.output.scorer, snakemake.output.metrics, meta
    )
    print("scorer:", figures)
