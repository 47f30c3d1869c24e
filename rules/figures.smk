# Altair figures from the tables: offline HTML and PNG.
rule draw_figures:
    input:
        curves=rules.aggregate_tables.output.resistance_curves,
        cells=rules.aggregate_tables.output.resistance_cells,
    output:
        curves_html=report(
            "results/figures/resistance_curves.html",
            caption="../report/resistance_curves.rst",
            category="Setting I",
            subcategory="interactive figures",
        ),
        curves_png=report(
            "results/figures/resistance_curves.png",
            caption="../report/resistance_curves.rst",
            category="Setting I",
            subcategory="figures",
        ),
        gaps_html=report(
            "results/figures/resistance_gaps.html",
            caption="../report/resistance_gaps.rst",
            category="Setting I",
            subcategory="interactive figures",
        ),
        gaps_png=report(
            "results/figures/resistance_gaps.png",
            caption="../report/resistance_gaps.rst",
            category="Setting I",
            subcategory="figures",
        ),
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
