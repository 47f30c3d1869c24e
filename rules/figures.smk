# Altair figures from the tables: offline HTML and PNG.
rule draw_figures:
    input:
        curves=rules.aggregate_tables.output.resistance_curves,
        cells=rules.aggregate_tables.output.resistance_cells,
    output:
        curves_html="results/figures/resistance_curves.html",
        curves_png="results/figures/resistance_curves.png",
        gaps_html="results/figures/resistance_gaps.html",
        gaps_png="results/figures/resistance_gaps.png",
    log:
        "logs/draw_figures/draw_figures.log",
    benchmark:
        "benchmarks/draw_figures/draw_figures.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../scripts/figures.py"
