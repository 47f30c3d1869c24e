"""Draw the Setting I figures (see hooke.figures)."""

import pandas as pd

from hooke.figures import resistance_curves, save_chart
from hooke.script import entry

with entry(snakemake):
    chart = resistance_curves(pd.read_csv(snakemake.input.curves))
    save_chart(chart, snakemake.output.resistance_html, snakemake.output.resistance_png)
