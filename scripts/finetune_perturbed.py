"""Setting II: perturb an aligned model, a checkpoint per grid point (see hooke.rebound)."""

from hooke.metrics import rebound_setting
from hooke.rebound import finetune_perturbed
from hooke.script import entry, job_meta

w, params, inputs = snakemake.wildcards, snakemake.params, snakemake.input
with entry(snakemake, seed=int(w.seed), trains=True):
    finetune_perturbed(
        params.aligned,
        inputs.pool,
        inputs.opposite,
        snakemake.output.checkpoints,
        snakemake.output.metrics,
        w.algorithm,
        params.grid,
        params.train,
        job_meta(snakemake, params.train, rebound_setting(int(w.n)), omit=("n", "algorithm")),
        trust_remote_code=params.trust_remote_code,
        lora=params.lora,
        scorer_dir=inputs.get("scorer") or None,
    )
