"""The compression theorem, exactly, on the paper's model of data (see hooke.theorem)."""

from hooke.atomic import write_table
from hooke.figures import save_chart
from hooke.figures_readouts import theorem_law
from hooke.script import entry
from hooke.theorem import check_theorem

out = snakemake.output
with entry(snakemake, uses_torch=False):
    tables = check_theorem(snakemake.params.spec)
    for name, frame in tables.items():
        write_table(frame, getattr(out, name), getattr(out, f"{name}_md"))
    save_chart(theorem_law(tables["theorem"]), out.theorem_law_html, out.theorem_law_png)
    print(tables["theorem_fit"])
