"""Setting II: score every checkpoint of one perturbation run (see hooke.score)."""

from hooke.metrics import rebound_setting
from hooke.score import score_rebound
from hooke.script import entry, job_meta

params, inputs = snakemake.params, snakemake.input
with entry(snakemake, seed=int(snakemake.wildcards.seed)):
    score_rebound(
        params.base_dir,
        params.aligned,
        inputs.perturbed,
        inputs.prompts,
        inputs.scorer,
        snakemake.output.metrics,
        params.grid,
        params.eval,
        job_meta(
            snakemake,
            params.eval,
            rebound_setting(int(snakemake.wildcards.n), snakemake.wildcards.algorithm),
        ),
        data={"aligned": inputs.aligning, "heldout": inputs.heldout},
        pretrain_tokens=params.pretrain_tokens,
        trust_remote_code=params.trust_remote_code,
    )
