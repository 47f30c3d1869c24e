# The elasticity benchmark of alignment methods and defences (config `defences`): its runs
# are Setting II's rules (finetune_aligned, finetune_perturbed, score_rebound) on the grid of
# defence_grid(); these rules rank the methods and draw them.


# Per method and attack: the rebound speed with its CI, the worst case, ranks with ties, and
# the utility kept (bits per byte of the aligned model against the reference method's).
rule rank_defences:
    input:
        scores=defence_metrics,
    output:
        **table_outputs(
            "Defences", "defences", "defence_runs", unreported=("defence_runs",)
        ),
    log:
        "logs/rank_defences/rank_defences.log",
    benchmark:
        "benchmarks/rank_defences/rank_defences.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        methods=config.get("defences", {}).get("methods", []),
        attacks=list(defences.attacks(config.get("defences"))),
        alpha=config["verdicts"]["alpha"],
        seed=config["verdicts"]["seed"],
    script:
        "../scripts/rank_defences.py"


# The benchmark's figure: rebound speed per method and attack with CIs, and the utility kept.
rule draw_defences:
    input:
        table=rules.rank_defences.output.defences,
    output:
        **figure_outputs("Defences", "defences_speed"),
    log:
        "logs/draw_defences/draw_defences.log",
    benchmark:
        "benchmarks/draw_defences/draw_defences.tsv"
    conda:
        "../envs/report.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../scripts/draw_defences.py"
