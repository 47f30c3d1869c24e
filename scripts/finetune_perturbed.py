"""Setting II: perturb an aligned model, a checkpoint per grid point (see hooke.rebound)."""

from hooke.metrics import rebound_setting
from hooke.rebound import finetune_perturbed
from hooke.script import entry, job_meta

w, params, inputs = snakemake.wildcards, snakemake.params, snakemake.input


def shaped_by(params):
    """What the run's config hash covers: the perturbation's settings, and the attack's
    engine, LoRA and guard where they are not Setting II's plain ones."""
    extra = {"algorithm": params.algorithm, "lora": params.lora, "guard": params.guard}
    if params.algorithm == w.algorithm and not params.guard:
        extra = {}
    return {**params.train, **extra}


with entry(snakemake, seed=int(w.seed), trains=True):
    finetune_perturbed(
        params.aligned,
        inputs.pool,
        inputs.opposite,
        snakemake.output.checkpoints,
        snakemake.output.metrics,
        params.algorithm,
        params.grid,
        params.train,
        # the metrics' `algorithm` column: the wildcard (an engine, or a benchmark attack)
        job_meta(snakemake, shaped_by(params), rebound_setting(int(w.n), w.algorithm), omit=("n",)),
        trust_remote_code=params.trust_remote_code,
        lora=params.lora,
        scorer_dir=inputs.get("scorer") or None,
        guard=params.guard,
    )
