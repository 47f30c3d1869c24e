"""Setting II: align a base on n examples of one pole (see hooke.rebound)."""

from hooke.metrics import rebound_setting
from hooke.rebound import finetune_aligned
from hooke.script import entry, job_meta

w, params = snakemake.wildcards, snakemake.params
with entry(snakemake, seed=int(w.seed), trains=True):
    finetune_aligned(
        params.base_dir,
        snakemake.input.pool,
        int(w.n),
        snakemake.output.run,
        params.train,
        job_meta(snakemake, params.train, rebound_setting(int(w.n)), omit=("n",)),
        trust_remote_code=params.trust_remote_code,
        lora=params.lora,
        aligner=params.aligner,
        opposite_path=snakemake.input.opposite,
    )
