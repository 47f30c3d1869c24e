#!/usr/bin/env bash
# GPU smoke test: on one GPU, a ~100M-parameter model built and pre-trained locally, in bf16
# with DeepSpeed ZeRO-2, through pre-training, SFT slices, harvest, inverse fine-tuning and
# Setting II (config/gpu_smoke.yaml, offline); then the training MFU of the same model and of
# a ~0.5B one (bench/gpu_mfu.py). Prints per-stage times, tokens/s and MFU.
#   scripts/gpu_smoke.sh [workdir]      (default: results-gpu-smoke/)
# Needs: `make setup` with a CUDA build of torch, and `pip install -e '.[deepspeed]'`.
set -euo pipefail
cd "$(dirname "$0")/.."
workdir=${1:-results-gpu-smoke}
py=${PYTHON:-.venv/bin/python}
"$py" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else "gpu_smoke: no CUDA device")'
"$py" -c 'import torch; print("device:", torch.cuda.get_device_name(), "| torch", torch.__version__)'

# Every training rule gets one GPU, so it re-launches itself under DeepSpeed's launcher.
gpu_rules=()
for rule in pretrain_slices finetune_slices finetune_aligned finetune_inverse finetune_perturbed; do
    gpu_rules+=("$rule:gpu=1")
done
start=$(date +%s)
"$py" -m snakemake --cores all --directory "$workdir" --configfile config/gpu_smoke.yaml \
    --set-resources "${gpu_rules[@]}"
echo "pipeline: $(( $(date +%s) - start )) s"
"$py" bench/stages.py --benchmarks "$workdir/benchmarks" --wall $(( $(date +%s) - start ))
grep -h "train_tokens_per_second" "$workdir"/logs/finetune_slices/*/*.log | tail -n 1 || true

# MFU of the trainer set-up alone: the smoke model and the issue's ~0.5B one.
"$py" -m deepspeed.launcher.runner --num_gpus 1 bench/gpu_mfu.py --size 100m --seq 1024 \
    --batch 32 --steps 30 --deepspeed zero2
"$py" -m deepspeed.launcher.runner --num_gpus 1 bench/gpu_mfu.py --size 500m --seq 2048 \
    --batch 16 --steps 30 --deepspeed zero2
"$py" bench/gpu_mfu.py --size 500m --seq 2048 --batch 16 --steps 30
