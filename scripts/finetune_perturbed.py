"""Setting II: perturb an aligned model, reading it at every grid point (see hooke.rebound)."""

from hooke.grid_readouts import ReadoutSpec
from hooke.metrics import rebound_setting
from hooke.rebound import finetune_perturbed
from hooke.script import entry, job_meta

w, params, inputs, output = snakemake.wildcards, snakemake.params, snakemake.input, snakemake.output


def shaped_by(params):
    """What the run's config hash covers: the perturbation's and the readouts' settings, and
    the attack's engine, LoRA and guard where they are not Setting II's plain ones."""
    extra = {"algorithm": params.algorithm, "lora": params.lora, "guard": params.guard}
    if params.algorithm == w.algorithm and not params.guard:
        extra = {}
    return {**params.train, **extra, "eval": params.eval}


with entry(snakemake, seed=int(w.seed), trains=True):
    finetune_perturbed(
        params.aligned,
        inputs.pool,
        inputs.opposite,
        {"readouts": output.readouts, "responses": output.responses, "metrics": output.metrics},
        params.algorithm,
        params.grid,
        params.train,
        # the metrics' `algorithm` column: the wildcard (an engine, or a benchmark attack)
        job_meta(snakemake, shaped_by(params), rebound_setting(int(w.n), w.algorithm)),
        ReadoutSpec(
            params.base_dir,
            inputs.prompts,
            inputs.heldout,
            inputs.opposite,
            params.eval,
            params.pretrain_tokens,
            params.trust_remote_code,
        ),
        trust_remote_code=params.trust_remote_code,
        lora=params.lora,
        scorer_dir=inputs.get("scorer") or None,
        guard=params.guard,
        # storage, not a result: read here, never a rule parameter (it re-runs nothing)
        keep_checkpoints=bool(snakemake.config.get("rebound", {}).get("keep_checkpoints")),
    )
