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


# Generic English for a real model's D_p readout (rebound.eval.pretrain_texts: python_docs):
# the reference documentation of the Python that runs it (hooke.generic_text).
rule prepare_generic_text:
    output:
        texts="results/generic_text/{source}.parquet",
    log:
        "logs/prepare_generic_text/{source}.log",
    benchmark:
        "benchmarks/prepare_generic_text/{source}.tsv"
    conda:
        "../envs/data.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/prepare_generic_text.py"
