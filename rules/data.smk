# Split a task's reviews into disjoint, seeded Parquet splits.
rule prepare_data:
    output:
        pretrain="results/data/{task}/pretrain.parquet",
        positive="results/data/{task}/positive.parquet",
        negative="results/data/{task}/negative.parquet",
        prompts="results/data/{task}/prompts.parquet",
        scorer="results/data/{task}/scorer.parquet",
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
