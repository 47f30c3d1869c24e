"""The apparatus check: planted rebounds of one base and seed (see hooke.planted)."""

from hooke.planted import plant_run
from hooke.script import entry, job_meta

w, params, inputs = snakemake.wildcards, snakemake.params, snakemake.input
with entry(snakemake, seed=int(w.seed)):
    plant_run(
        params.base_dir,
        {int(n): path for n, path in params.aligned.items()},
        inputs.prompts,
        inputs.heldout,
        snakemake.output.metrics,
        params.grid,
        {**params.eval, **params.planted},
        job_meta(
            snakemake,
            {"eval": params.eval, "planted": params.planted, "grid": params.grid},
            "control_planted",
        )
        | {"direction": params.direction, "aligner": params.aligner},
        trust_remote_code=params.trust_remote_code,
    )
