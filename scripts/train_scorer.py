"""Train or fetch a task's scorer and record its held-out accuracy (see hooke.score)."""

from hooke.score import train_scorer
from hooke.scorers import uses_torch
from hooke.script import entry, job_meta

spec = snakemake.params.spec
with entry(snakemake, seed=spec.get("seed", 0), online=True, uses_torch=uses_torch(spec)):
    figures = train_scorer(
        spec,
        snakemake.input.labelled,
        snakemake.output.scorer,
        snakemake.output.metrics,
        job_meta(snakemake, spec),
    )
    print("scorer:", figures)
