"""The compression law's neural testbed, one seed (see hooke.compression_law)."""

from hooke.compression_law import fit_compression_law
from hooke.script import entry, job_meta

params = snakemake.params
seed = int(snakemake.wildcards.seed)
with entry(snakemake, seed=seed, trains=True):
    fit_compression_law(
        params.spec,
        seed,
        snakemake.output.metrics,
        job_meta(snakemake, params.spec, "compression_law"),
    )
