# The compression law's synthetic testbed (H6c): per seed, every k of config compression_law.


rule fit_compression_law:
    output:
        metrics="results/compression_law/seed-{seed}.parquet",
    log:
        "logs/fit_compression_law/seed-{seed}.log",
    benchmark:
        "benchmarks/fit_compression_law/seed-{seed}.tsv"
    conda:
        "../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        spec=canonical(config.get("compression_law") or {}),
    script:
        "../scripts/fit_compression_law.py"
