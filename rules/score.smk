# Train (tfidf) or fetch (hf_classifier) the task's scorer; record its held-out accuracy.
rule train_scorer:
    input:
        labelled=rules.prepare_data.output.scorer,
    output:
        scorer=directory("results/scorer/{task}/model"),
        metrics="results/scorer/{task}/metrics.parquet",
    log:
        "logs/train_scorer/{task}.log",
    benchmark:
        "benchmarks/train_scorer/{task}.tsv"
    conda:
        "../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=30,
    params:
        spec=task_scorer,
    script:
        "../scripts/train_scorer.py"


# Grade one slice's harvested responses with the task's scorer.
rule score_responses:
    input:
        scorer=rules.train_scorer.output.scorer,
        responses=rules.harvest_responses.output.responses,
    output:
        metrics="results/scores/{base}/{task}/seed-{seed}/slice-{k}.parquet",
    log:
        "logs/score_responses/{base}/{task}/seed-{seed}/slice-{k}.log",
    benchmark:
        "benchmarks/score_responses/{base}/{task}/seed-{seed}/slice-{k}.tsv"
    conda:
        "../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        threshold=config["score"]["threshold"],
    script:
        "../scripts/score_responses.py"
