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
