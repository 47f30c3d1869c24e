"""Path A / Path B fine-tuning of one slice pair (see hooke.train.inverse_ft)."""

from hooke.provenance import config_hash
from hooke.script import entry
from hooke.train import inverse_ft

w, params = snakemake.wildcards, snakemake.params
with entry(snakemake, seed=int(w.seed), trains=True):
    meta = dict(
        setting="resistance",
        base=w.base,
        task=w.task,
        seed=int(w.seed),
        slice_k=int(w.k),
        slice_l=int(w.l),
        path=w.path,
        config_hash=config_hash(params.train),
    )
    inverse_ft(
        params.trainee,
        params.generator,
        snakemake.input.responses,
        dict(snakemake.output.items()),
        params.train,
        meta,
        trust_remote_code=params.trust_remote_code,
        lora=params.lora,
    )
