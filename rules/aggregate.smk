# DuckDB SQL over every metrics file: the Setting I tables as CSV and Markdown.
rule aggregate_tables:
    input:
        inverse=inverse_metrics,
        scores=score_metrics,
        scorer=scorer_metrics,
    output:
        resistance="results/tables/resistance.csv",
        resistance_md="results/tables/resistance.md",
        curves="results/tables/resistance_curves.csv",
        curves_md="results/tables/resistance_curves.md",
        harvest_scores="results/tables/harvest_scores.csv",
        harvest_scores_md="results/tables/harvest_scores.md",
        scorer="results/tables/scorer.csv",
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
    script:
        "../scripts/aggregate.py"
