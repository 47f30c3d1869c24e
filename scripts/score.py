"""Grade one slice's responses (see hooke.score)."""

from hooke.provenance import config_hash
from hooke.score import score_responses
from hooke.script import entry

w = snakemake.wildcards
with entry(snakemake):
    meta = dict(
        setting="resistance",
        base=w.base,
        task=w.task,
        seed=int(w.seed),
        slice_k=int(w.k),
        config_hash=config_hash({"threshold": snakemake.params.threshold}),
    )
    figures = score_responses(
        snakemake.input.scorer,
        snakemake.input.responses,
        snakemake.output.metrics,
        snakemake.params.threshold,
        meta,
    )
    print("scores:", figures)
