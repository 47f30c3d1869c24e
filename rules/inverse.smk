# Setting I for one pair (k, l) of SFT slices, both paths in one job (the slices and data are
# the same two; one process start instead of two): Path A (forward: θk on D_l) and Path B
# (inverse: θl on D_k), each with its loss curve and the excess loss and KL to the slice
# that wrote its data, before and after.
rule finetune_inverse:
    input:
        unpack(pair_responses),
        sft=sft_run,
    output:
        forward_metrics="results/inverse/{base}/{task}/seed-{seed}/pair-{k}-{l}/forward.parquet",
        forward_examples="results/inverse/{base}/{task}/seed-{seed}/pair-{k}-{l}/forward.examples.parquet",
        inverse_metrics="results/inverse/{base}/{task}/seed-{seed}/pair-{k}-{l}/inverse.parquet",
        inverse_examples="results/inverse/{base}/{task}/seed-{seed}/pair-{k}-{l}/inverse.examples.parquet",
    log:
        "logs/finetune_inverse/{base}/{task}/seed-{seed}/pair-{k}-{l}.log",
    benchmark:
        "benchmarks/finetune_inverse/{base}/{task}/seed-{seed}/pair-{k}-{l}.tsv"
    conda:
        "../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=memory("finetune_inverse", 3000),
        runtime=60,
    params:
        template=task_template,
        slices=pair_slices,
        trust_remote_code=trust_remote_code,
        lora=base_lora,
        train=canonical(config["resistance"]["inverse"]),
    script:
        "../scripts/finetune_inverse.py"
