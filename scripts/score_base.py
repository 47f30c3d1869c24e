"""Setting II: the base model's task score (see hooke.score)."""

from hooke.score import score_base
from hooke.script import entry, job_meta

params = snakemake.params
with entry(snakemake, seed=int(snakemake.wildcards.seed)):
    figures = score_base(
        params.base_dir,
        snakemake.input.prompts,
        snakemake.input.heldout,
        snakemake.input.scorer,
        snakemake.output.metrics,
        params.eval,
        job_meta(snakemake, params.eval, "rebound_base"),
        trust_remote_code=params.trust_remote_code,
        pretrain_tokens=params.pretrain_tokens,
    )
    print("base model:", figures)
