"""Generic English texts for the D_p readout (see hooke.generic_text)."""

from hooke.atomic import atomic_file
from hooke.generic_text import prepare_generic_text
from hooke.script import entry

with entry(snakemake, uses_torch=False):
    texts = prepare_generic_text(snakemake.wildcards.source)
    with atomic_file(snakemake.output.texts) as tmp:
        texts.to_parquet(tmp, index=False)
    print(f"{len(texts)} texts from {snakemake.wildcards.source} (Python {texts.python.iloc[0]})")
