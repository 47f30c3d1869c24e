"""Draw the benchmark: rebound speed per method and attack, and the utility kept."""

import pandas as pd

from hooke.figures import save_chart
from hooke.figures_defences import defences_speed
from hooke.script import entry

out = snakemake.output
with entry(snakemake, uses_torch=False):
    chart = defences_speed(pd.read_csv(snakemake.input.table))
    save_chart(chart, out.defences_speed_html, out.defences_speed_png)
