# Slice θk answers the held-out prompts: D_k.
rule harvest_responses:
    input:
        sft=sft_run,
        prompts=rules.prepare_data.output.prompts,
    output:
        responses="results/harvest/{base}/{task}/seed-{seed}/slice-{k}.parquet",
    log:
        "logs/harvest_responses/{base}/{task}/seed-{seed}/slice-{k}.log",
    benchmark:
        "benchmarks/harvest_responses/{base}/{task}/seed-{seed}/slice-{k}.tsv"
    conda:
        "../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=memory("harvest_responses", 3000),
        runtime=60,
    params:
        template=task_template,
        slice=harvest_slice,
        trust_remote_code=trust_remote_code,
        generation=canonical(config["resistance"]["harvest"]),
    script:
        "../scripts/harvest_responses.py"
