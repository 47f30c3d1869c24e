# Split a task's reviews into disjoint, seeded Parquet splits, and count what leaks between them.
rule prepare_data:
    output:
        pretrain="results/data/{task}/pretrain.parquet",
        positive="results/data/{task}/positive.parquet",
        negative="results/data/{task}/negative.parquet",
        prompts="results/data/{task}/prompts.parquet",
        scorer="results/data/{task}/scorer.parquet",
        # rows of each split found inside another's text (hooke.leakage; data.leakage)
        leakage=report(
            "results/data/{task}/leakage.csv",
            caption="../report/leakage.rst",
            category="Data",
            labels={"table": "leakage", "task": "{task}"},
        ),
    log:
        "logs/prepare_data/{task}.log",
    benchmark:
        "benchmarks/prepare_data/{task}.tsv"
    conda:
        "../envs/data.yaml"
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        spec=task_data,
    script:
        "../scripts/prepare_data.py"
