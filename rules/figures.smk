# Altair figures from the tables: offline HTML and PNG.
rule draw_figures:
    input:
        curves=rules.aggregate_tables.output.curves,
    output:
        resistance_html="results/figures/resistance.html",
        resistance_png="results/figures/resistance.png",
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
