# hooke: how language models spring back from alignment (Ji et al., ACL 2025), as a DAG.
#
# The results/ path grammar, said once (each rule file owns one line of it):
#   results/data/{task}/{split}.parquet                              prepare_data
#   results/pretrain/{run}/tokens-{tokens}/                          pretrain_slices (local bases)
#   results/hub/{base}/                                              download_base (hub bases)
#   results/sft/{base}/{task}/seed-{seed}/slice-{k}/                 finetune_slices
#   results/harvest/{base}/{task}/seed-{seed}/slice-{k}.parquet      harvest_responses
#   results/inverse/{base}/{task}/seed-{seed}/pair-{k}-{l}/{path}.parquet   finetune_inverse
#   results/scorer/{task}/                                           train_scorer
#   results/scores/{base}/{task}/seed-{seed}/slice-{k}.parquet       score_responses
#   results/rebound/{base}/{task}/{direction}/{aligner}/seed-{seed}/aligned-{n}/   finetune_aligned
#   results/rebound/{base}/{task}/{direction}/{aligner}/seed-{seed}/perturbed-{n}-{algorithm}/{checkpoints/,metrics.parquet}  finetune_perturbed
#     ({aligner}: an aligner, a defence or a plugin; {algorithm}: an engine or a defences attack)
#   results/scores/rebound/{base}/{task}/{direction}/{aligner}/seed-{seed}/{n}-{algorithm}.parquet  score_rebound
#   results/scores/base/{base}/{task}/seed-{seed}.parquet            score_base
#   results/compression_law/seed-{seed}.parquet                      fit_compression_law
#   results/controls/planted/{base}/{task}/seed-{seed}.parquet       plant_rebound
#   results/tables/{table}.{csv,md}              aggregate_tables, aggregate_rebound, judge_hypotheses, rank_defences
#   results/figures/{figure}.{html,png}                              draw_figures
# Logs mirror outputs under logs/<rule>/, benchmarks under benchmarks/<rule>/.

import os

from snakemake.utils import min_version

min_version("9.0")


# The miniature is the default; --configfile replaces it rather than merging into it, and
# --config overrides either, merged key by key: --config 'resistance={sft: {seed: 1}}'.
if not workflow.overwrite_configfiles:

    configfile: os.path.join(workflow.basedir, "config", "config.yaml")


report: "report/workflow.rst"


include: "rules/common.smk"


# A bad config stops here, before any job, with one line naming the key.
SCHEMA = Path(workflow.basedir) / "config" / "schema.yaml"
try:
    check_config(coerce_overrides(config, SCHEMA), SCHEMA)
    paths.check_results()
except HookeError as exc:
    sys.exit(f"hooke: error: {exc}")
# (check_config fills the schema's defaults and checks the config against the schema itself:
# Snakemake's validate over the same schema would be a second pass that changes nothing.)


NAME = "[A-Za-z0-9][A-Za-z0-9_.-]*"


wildcard_constraints:
    task=NAME,
    base=NAME,
    run=NAME,
    tokens=r"\d+",
    seed=r"\d+",
    k=r"\d+",
    l=r"\d+",
    path="forward|inverse",
    n=r"\d+",
    direction="positive_first|negative_first",
    algorithm=NAME,
    aligner=NAME,


include: "rules/data.smk"
include: "rules/pretrain.smk"
include: "rules/sft.smk"
include: "rules/harvest.smk"
include: "rules/inverse.smk"
include: "rules/score.smk"
include: "rules/rebound.smk"
include: "rules/compression_law.smk"
include: "rules/aggregate.smk"
include: "rules/figures.smk"
include: "rules/defences.smk"
include: "rules/controls.smk"


# The rules that fetch from the internet (data sets, hub bases, scorers) run where it is, on
# a cluster's login node; every other job runs with the hub offline.
localrules:
    prepare_data,
    download_base,
    train_scorer,


# A leak between a task's splits (data.leakage: warn) is said again where it is seen: at
# the run's end, not only in prepare_data's log.
onsuccess:
    from hooke import leakage  # pandas, imported only once the run is over

    for line in leakage.warnings("results"):
        print(f"hooke: warning: {line}", file=sys.stderr)


# Everything the config asks for: Setting I, and Setting II where the config has it.
rule all:
    default_target: True
    input:
        rules.judge_hypotheses.output,
        rules.aggregate_tables.output,
        rules.draw_figures.output,
        rebound_targets(),
        compression_law_targets(),
        defence_targets(),
        rules.record_environment.output,


# Setting I alone.
rule resistance:
    input:
        rules.aggregate_tables.output,
        rules.draw_figures.output,


# Settings II and III alone (the rebound runs over every base).
rule rebound:
    input:
        rebound_targets(),


# The apparatus check (results/tables/apparatus.csv): the planted and distillation controls,
# judged with the verdicts they vouch for.
rule controls:
    input:
        rules.judge_hypotheses.output.apparatus,


# The elasticity benchmark of alignment methods and defences alone.
rule defences:
    input:
        defence_targets(),


# What the config downloads, alone: run it on a login node before submitting the rest.
rule download:
    input:
        download_targets(),
