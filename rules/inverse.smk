# Path A (forward: θk on D_l) or Path B (inverse: θl on D_k): the loss curve, and the
# excess loss and KL to the slice that wrote the data, before and after.
rule finetune_inverse:
    input:
        sft=rules.finetune_slices.output.run,
        responses=target_responses,
    output:
        metrics="results/inverse/{base}/{task}/seed-{seed}/pair-{k}-{l}/{path}.parquet",
        examples="results/inverse/{base}/{task}/seed-{seed}/pair-{k}-{l}/{path}.examples.parquet",
    log:
        "logs/finetune_inverse/{base}/{task}/seed-{seed}/pair-{k}-{l}/{path}.log",
    benchmark:
        "benchmarks/finetune_inverse/{base}/{task}/seed-{seed}/pair-{k}-{l}/{path}.tsv"
    conda:
        "../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=60,
    params:
        template=task_template,
        trainee=trainee_slice,
        generator=generator_slice,
        trust_remote_code=trust_remote_code,
        lora=base_lora,
        train=canonical(config["resistance"]["inverse"]),
    script:
        "../scripts/finetune_inverse.py"
