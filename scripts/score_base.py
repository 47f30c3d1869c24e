"""Setting II: the base model's task score (see hooke.rebound.score_base)."""

from hooke.provenance import config_hash
from hooke.rebound import score_base
from hooke.script import entry

w, params = snakemake.wildcards, snakemake.params
with entry(snakemake, seed=int(w.seed)):
    meta = dict(
        setting="rebound_base",
        base=w.base,
        task=w.task,
        seed=int(w.seed),
        config_hash=config_hash(params.eval),
    )
    figures = score_base(
        params.base_dir,
        snakemake.input.prompts,
        snakemake.input.scorer,
        snakemake.output.metrics,
        params.eval,
        meta,
        trust_remote_code=params.trust_remote_code,
        pretrain_tokens=params.pretrain_tokens,
    )
    print("base model:", figures)
