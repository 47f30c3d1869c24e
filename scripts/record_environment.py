"""Record the software versions behind the results (see hooke.environment)."""

from hooke.atomic import write_table
from hooke.environment import environment
from hooke.script import entry

with entry(snakemake, uses_torch=False):
    write_table(environment(), snakemake.output.environment, snakemake.output.environment_md)
