# DuckDB SQL over every metrics file: the Setting I tables as CSV and Markdown.
rule aggregate_tables:
    input:
        inverse=inverse_metrics,
        examples=inverse_examples,
        scores=score_metrics,
        scorer=scorer_metrics,
    output:
        resistance=report(
            "results/tables/resistance.csv",
            caption="../report/resistance.rst",
            category="Setting I",
            subcategory="tables",
        ),
        resistance_md="results/tables/resistance.md",
        resistance_cells=report(
            "results/tables/resistance_cells.csv",
            caption="../report/resistance_cells.rst",
            category="Setting I",
            subcategory="tables",
        ),
        resistance_cells_md="results/tables/resistance_cells.md",
        resistance_signs=report(
            "results/tables/resistance_signs.csv",
            caption="../report/resistance_signs.rst",
            category="Setting I",
            subcategory="tables",
        ),
        resistance_signs_md="results/tables/resistance_signs.md",
        resistance_table1=report(
            "results/tables/resistance_table1.md",
            caption="../report/resistance_table1.rst",
            category="Setting I",
            subcategory="tables",
        ),
        resistance_curves="results/tables/resistance_curves.csv",
        resistance_curves_md="results/tables/resistance_curves.md",
        harvest_scores=report(
            "results/tables/harvest_scores.csv",
            caption="../report/harvest_scores.rst",
            category="Setting I",
            subcategory="tables",
        ),
        harvest_scores_md="results/tables/harvest_scores.md",
        scorer=report(
            "results/tables/scorer.csv",
            caption="../report/scorer.rst",
            category="Setting I",
            subcategory="tables",
        ),
        scorer_md="results/tables/scorer.md",
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
        bootstrap=canonical(config["resistance"]["bootstrap"]),
    script:
        "../scripts/aggregate.py"


# DuckDB SQL over the Setting II scores: curves, Table 3, two-stage slopes, rank tests;
# Setting III: the elasticity index along size and tokens, the Hooke's-law exponent.
rule aggregate_rebound:
    input:
        scores=rebound_metrics,
    output:
        rebound_curves=report(
            "results/tables/rebound_curves.csv",
            caption="../report/rebound_curves.rst",
            category="Setting II",
            subcategory="tables",
        ),
        rebound_curves_md="results/tables/rebound_curves.md",
        rebound_reference="results/tables/rebound_reference.csv",
        rebound_reference_md="results/tables/rebound_reference.md",
        rebound_table3=report(
            "results/tables/rebound_table3.csv",
            caption="../report/rebound_table3.rst",
            category="Setting II",
            subcategory="tables",
        ),
        rebound_table3_md="results/tables/rebound_table3.md",
        rebound_slopes=report(
            "results/tables/rebound_slopes.csv",
            caption="../report/rebound_slopes.rst",
            category="Setting II",
            subcategory="tables",
        ),
        rebound_slopes_md="results/tables/rebound_slopes.md",
        rebound_rank_tests=report(
            "results/tables/rebound_rank_tests.csv",
            caption="../report/rebound_rank_tests.rst",
            category="Setting II",
            subcategory="tables",
        ),
        rebound_rank_tests_md="results/tables/rebound_rank_tests.md",
        rebound_compression=report(
            "results/tables/rebound_compression.csv",
            caption="../report/rebound_compression.rst",
            category="Setting II",
            subcategory="tables",
        ),
        rebound_compression_md="results/tables/rebound_compression.md",
        hooke_check=report(
            "results/tables/hooke_check.csv",
            caption="../report/hooke_check.rst",
            category="Setting II",
            subcategory="tables",
        ),
        hooke_check_md="results/tables/hooke_check.md",
        hooke_fit=report(
            "results/tables/hooke_fit.csv",
            caption="../report/hooke_fit.rst",
            category="Setting III",
            subcategory="tables",
        ),
        hooke_fit_md="results/tables/hooke_fit.md",
        rebound_axes="results/tables/rebound_axes.csv",
        rebound_axes_md="results/tables/rebound_axes.md",
        elasticity=report(
            "results/tables/elasticity.csv",
            caption="../report/elasticity.rst",
            category="Setting III",
            subcategory="tables",
        ),
        elasticity_md="results/tables/elasticity.md",
        elasticity_trends=report(
            "results/tables/elasticity_trends.csv",
            caption="../report/elasticity_trends.rst",
            category="Setting III",
            subcategory="tables",
        ),
        elasticity_trends_md="results/tables/elasticity_trends.md",
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


# The software versions behind the results, for the report.
rule record_environment:
    output:
        environment=report(
            "results/tables/environment.csv",
            caption="../report/environment.rst",
            category="Overview",
        ),
        environment_md="results/tables/environment.md",
    log:
        "logs/record_environment/record_environment.log",
    benchmark:
        "benchmarks/record_environment/record_environment.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/record_environment.py"
