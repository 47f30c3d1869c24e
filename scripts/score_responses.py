"""Grade one slice's responses (see hooke.score)."""

from hooke.score import score_responses
from hooke.scorers import uses_torch
from hooke.script import entry, job_meta

threshold = snakemake.params.threshold
with entry(snakemake, uses_torch=uses_torch(snakemake.input.scorer)):
    figures = score_responses(
        snakemake.input.scorer,
        snakemake.input.responses,
        snakemake.output.metrics,
        threshold,
        job_meta(snakemake, {"threshold": threshold}, "resistance"),
    )
    print("scores:", figures)
