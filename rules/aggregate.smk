# DuckDB SQL over every metrics file: the Setting I tables as CSV and Markdown.
rule aggregate_tables:
    input:
        inverse=inverse_metrics,
        examples=inverse_examples,
        scores=score_metrics,
        scorer=scorer_metrics,
    output:
        **table_outputs(
            "Setting I",
            "resistance",
            "resistance_cells",
            "resistance_signs",
            "resistance_curves",
            "harvest_scores",
            "scorer",
            unreported=("resistance_curves",),
        ),
        resistance_table1=report(
            "results/tables/resistance_table1.md",
            caption="../report/resistance_table1.rst",
            category="Setting I",
            subcategory="tables",
            labels={"table": "resistance_table1"},
        ),
    log:
        "logs/aggregate_tables/aggregate_tables.log",
    benchmark:
        "benchmarks/aggregate_tables/aggregate_tables.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        tail=config["resistance"]["tail_fraction"],
    script:
        "../scripts/aggregate_tables.py"


# DuckDB SQL over the Setting II scores: curves, Table 3, two-stage slopes, rank tests;
# Setting III: the elasticity index along size and tokens, the Hooke's-law exponent.
rule aggregate_rebound:
    input:
        scores=rebound_metrics,
    output:
        **table_outputs(
            "Setting II",
            "rebound_curves",
            "rebound_margin",
            "rebound_rest",
            "rebound_reference",
            "rebound_table3",
            "rebound_slopes",
            "rebound_rank_tests",
            "rebound_compression",
            "hooke_check",
            unreported=("rebound_reference",),
        ),
        **table_outputs(
            "Setting III",
            "hooke_fit",
            "rebound_axes",
            "elasticity",
            "elasticity_trends",
            unreported=("rebound_axes",),
        ),
    log:
        "logs/aggregate_rebound/aggregate_rebound.log",
    benchmark:
        "benchmarks/aggregate_rebound/aggregate_rebound.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        epsilon=config.get("rebound", {}).get("epsilon"),
        early_examples=config.get("rebound", {}).get("early_examples"),
    script:
        "../scripts/aggregate_rebound.py"


# The verdicts: every pre-stated hypothesis (H1-H8, src/hooke/hypotheses.py) tested on this
# run's replication units; the two-phase model of every rebound curve; the compression law's
# synthetic testbed per seed and k; the exact model's prediction at each run's own k.
rule judge_hypotheses:
    input:
        inverse=inverse_metrics,
        examples=inverse_examples,
        rebound=rebound_metrics,
        compression=compression_law_metrics,
        planted=planted_metrics,
    output:
        # Overview leads the report's menu (categories are sorted by name), and the
        # hypotheses' verdicts lead the Overview.
        **table_outputs(
            "Overview",
            "apparatus",
            "verdicts",
            "verdict_sensitivity",
            "rebound_stages",
            "rebound_fits",
            "compression_law",
            "theorem_runs",
            subcategory="hypotheses H1-H8",
        ),
    log:
        "logs/judge_hypotheses/judge_hypotheses.log",
    benchmark:
        "benchmarks/judge_hypotheses/judge_hypotheses.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        verdicts=canonical(config["verdicts"]),
        rebound=verdict_params(),
        theorem=canonical(config.get("theorem") or {}),
    script:
        "../scripts/judge_hypotheses.py"


# The software versions behind the results, for the report: those of the training env, where
# the numbers are made (under --use-conda the report env holds no torch).
rule record_environment:
    output:
        **table_outputs("Overview", "environment", subcategory="software"),
    log:
        "logs/record_environment/record_environment.log",
    benchmark:
        "benchmarks/record_environment/record_environment.tsv"
    conda:
        "../envs/train.yaml"
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/record_environment.py"
