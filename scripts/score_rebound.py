"""Setting II: grade the responses a perturbation run sampled along its grid (see hooke.score)."""

from hooke.metrics import rebound_setting
from hooke.score import score_rebound
from hooke.scorers import uses_torch
from hooke.script import entry, job_meta

w, params, inputs = snakemake.wildcards, snakemake.params, snakemake.input
with entry(snakemake, seed=int(w.seed), uses_torch=uses_torch(inputs.scorer)):
    score_rebound(
        inputs.readouts,
        inputs.responses,
        inputs.scorer,
        snakemake.output.metrics,
        params.threshold,
        job_meta(
            snakemake,
            {"threshold": params.threshold},
            rebound_setting(int(w.n), w.algorithm),
            omit=("n",),
        ),
    )
