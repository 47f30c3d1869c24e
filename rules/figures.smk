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


# Setting III figures: the paper's Figs. 5 and 6 (rebound by size, by pre-training tokens),
# the elasticity index along both axes, and the Hooke's-law check.
rule draw_scaling:
    input:
        curves=rules.aggregate_rebound.output.rebound_curves,
        elasticity=rules.aggregate_rebound.output.elasticity,
        hooke_check=rules.aggregate_rebound.output.hooke_check,
        hooke_fit=rules.aggregate_rebound.output.hooke_fit,
    output:
        **{
            f"{name}_{kind}": report(
                f"results/figures/{name}.{kind}",
                caption=f"../report/{name}.rst",
                category="Setting III",
                subcategory="figures" if kind == "png" else "interactive figures",
            )
            for name in ("rebound_size", "rebound_tokens", "elasticity_trend", "hooke_law")
            for kind in ("html", "png")
        },
    log:
        "logs/draw_scaling/draw_scaling.log",
    benchmark:
        "benchmarks/draw_scaling/draw_scaling.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../scripts/draw_scaling.py"
