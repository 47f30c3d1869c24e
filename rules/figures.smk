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


# Setting II figures: the paper's Fig. 4 (task score) and the distance to the base.
rule draw_rebound:
    input:
        curves=rules.aggregate_rebound.output.rebound_curves,
        reference=rules.aggregate_rebound.output.rebound_reference,
    output:
        score_html=report(
            "results/figures/rebound_score.html",
            caption="../report/rebound_score.rst",
            category="Setting II",
            subcategory="interactive figures",
        ),
        score_png=report(
            "results/figures/rebound_score.png",
            caption="../report/rebound_score.rst",
            category="Setting II",
            subcategory="figures",
        ),
        kl_html=report(
            "results/figures/rebound_kl.html",
            caption="../report/rebound_kl.rst",
            category="Setting II",
            subcategory="interactive figures",
        ),
        kl_png=report(
            "results/figures/rebound_kl.png",
            caption="../report/rebound_kl.rst",
            category="Setting II",
            subcategory="figures",
        ),
    log:
        "logs/draw_rebound/draw_rebound.log",
    benchmark:
        "benchmarks/draw_rebound/draw_rebound.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../scripts/draw_rebound.py"
