"""Draw the Setting I figures (see hooke.figures)."""

import pandas as pd

from hooke.figures import resistance_curves, resistance_gaps, save_chart
from hooke.script import entry

inputs, out = snakemake.input, snakemake.output
with entry(snakemake, uses_torch=False):
    save_chart(
        resistance_curves(pd.read_csv(inputs.curves)),
        out.resistance_curves_html,
        out.resistance_curves_png,
    )
    save_chart(
        resistance_gaps(pd.read_csv(inputs.cells)),
        out.resistance_gaps_html,
        out.resistance_gaps_png,
    )
