"""Setting II (rebound), the training side: align a base on n examples of one pole (rule
finetune_aligned), then move it toward the other pole with one of the engines of
hooke.engines (rule finetune_perturbed), reading the model at each point of a grid as it
trains (hooke.grid_readouts). Grading the sampled responses is hooke.score's; summarising
the curves hooke.rebound_summary's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hooke.atomic import atomic_file, resumable_dir
from hooke.distributed import save_trained
from hooke.engines import build_trainer, engine, pole_reward
from hooke.errors import HookeError
from hooke.grid_readouts import GridReader, ReadoutSpec
from hooke.metrics import metrics_table, write_metrics
from hooke.models import load_trainable
from hooke.paths import aligned_model, checkpoint_dir
from hooke.provenance import config_hash
from hooke.runtime import is_main_process, world_size
from hooke.scorers import load_scorer
from hooke.splits import draw_seed
from hooke.steps import grid_steps
from hooke.trainer import (
    SaveSlices,
    drop,
    fail_on_nonfinite,
    finetune,
    first_pairs,
    loss_rows,
    pairs_dataset,
    train_resumably,
)


def finetune_aligned(
    base_dir,
    pool_path: str | Path,
    n: int,
    out_dir,
    params: Mapping[str, Any],
    meta: Mapping[str, Any],
    trust_remote_code=False,
    lora=None,
    aligner: str | Mapping[str, Any] = "sft",
    opposite_path: str | Path | None = None,
) -> None:
    """Align the base on the first `n` examples of the aligning pool with `aligner` (an
    engine's name or a plugin's config entry: hooke.aligners). The base control of
    rebound.controls (n = 0) has no aligned model: its runs start from the base itself."""
    model, tokenizer = load_trainable(base_dir, trust_remote_code, lora)
    with resumable_dir(out_dir, config_hash({**params, **meta, "n": n})) as work:
        records = _align(
            model, tokenizer, pool_path, n, params, meta, aligner, opposite_path, work / "trainer"
        )
        save_trained(model, tokenizer, aligned_model(work))
        algorithm = meta.get("aligner", "sft")
        write_metrics(
            metrics_table(loss_rows(records), algorithm=algorithm, **meta),
            work / "metrics.parquet",
        )
        drop(work / "trainer")


def _align(model, tokenizer, pool_path, n, params, meta, aligner, opposite_path, out):
    """Train `model` in place; returns the loss records. SFT through hooke's completion
    loop; a defence through its own trainer (hooke.defences); every other aligner through
    its trainer (hooke.aligners)."""
    seed = draw_seed(params, meta["seed"])
    if aligner == "sft":
        length = params["max_length"]
        data = pairs_dataset(pool_path, tokenizer, n, length, "rebound.volumes", seed)
        epochs = params["epochs"]
        return finetune(
            model, tokenizer, data, params, out, [], meta["seed"], epochs=epochs, resumable=True
        )
    from hooke.aligners import alignment_trainer
    from hooke.defences import is_defence
    from hooke.defences.align import align_with_defence

    pool = first_pairs(pool_path, n, "rebound.volumes", seed)
    opposite = first_pairs(opposite_path, None, "rebound.volumes", seed)
    if is_defence(aligner):
        return align_with_defence(
            aligner, model, tokenizer, pool, opposite, params, out, meta["seed"], []
        )
    trainer = alignment_trainer(
        aligner,
        model,
        tokenizer,
        pool,
        opposite,
        params,
        out,
        meta["seed"],
        [fail_on_nonfinite()],
    )
    return train_resumably(trainer, out)


def finetune_perturbed(
    aligned_dir,
    perturb_path,
    opposite_path,
    outputs: Mapping[str, str | Path],
    algorithm: str,
    grid: Sequence[int],
    params: Mapping[str, Any],
    meta: Mapping[str, Any],
    readout: ReadoutSpec,
    trust_remote_code=False,
    lora=None,
    scorer_dir=None,
    guard: Mapping[str, Any] | None = None,
    keep_checkpoints: bool = False,
) -> None:
    """Fine-tune the aligned model on the perturbing pool, one pass over max(grid) examples,
    reading it at every grid point as it trains (hooke.grid_readouts, `readout`) into
    `outputs["readouts"]` and `outputs["responses"]`, with the training losses in
    `outputs["metrics"]`. `meta` carries the run's direction and aligning volume `n`. GRPO's
    reward is the scorer in `scorer_dir`; `guard`, a fine-tuning-stage defence
    (hooke.defences.guards). `keep_checkpoints` saves the model at every grid point too, in a
    `checkpoints` folder beside the outputs; a run of several processes (DeepSpeed) saves them
    in any case and reads them after training, in its main process."""
    model, tokenizer = load_trainable(aligned_dir, trust_remote_code, lora)
    steps, pool, opposite, aligning = _examples(
        model, tokenizer, perturb_path, opposite_path, algorithm, grid, params, meta
    )
    fingerprint = config_hash(
        {
            **params,
            **meta,
            "grid": sorted(grid),
            "algorithm": algorithm,
            "eval": readout.params,
            **({"guard": guard} if guard else {}),
        }
    )
    in_memory = world_size() == 1  # several processes: read saved checkpoints after training
    target = Path(outputs["metrics"]).parent / "checkpoints"
    with resumable_dir(target, fingerprint) as work:
        reader = GridReader(readout, tokenizer, meta, work)
        callbacks = [fail_on_nonfinite()]
        if in_memory:
            callbacks.append(reader.callback(steps))
        if keep_checkpoints or not in_memory:
            saves = {s: checkpoint_dir(work, m) for s, m in steps.items()}
            callbacks.append(SaveSlices(saves, tokenizer).callback)
        trainer = build_trainer(
            algorithm,
            model,
            tokenizer,
            pool,
            opposite,
            params,
            work / "trainer",
            meta["seed"],
            callbacks,
            reward=_reward(scorer_dir, meta),
            guard=guard,
            aligning=aligning,
            teacher=_teacher(params.get("teacher"), reader, aligned_dir, trust_remote_code),
        )
        if in_memory or is_main_process():  # built first: a trainer's refusal comes first
            reader.at(model, 0)
        records = train_resumably(trainer, work / "trainer")
        if not is_main_process():
            return
        drop(work / "trainer")  # the optimizer state: not needed once the run is complete
        if not in_memory:
            _read_checkpoints(reader, work, steps, trust_remote_code)
        _write_run(reader, grid, records, algorithm, meta, outputs)
        drop(work / "readouts")
    if not keep_checkpoints:
        drop(target)


def _examples(model, tokenizer, perturb_path, opposite_path, algorithm, grid, params, meta):
    """What a perturbation run trains on: the optimizer step of each grid point (after a
    burn-in's steps at learning rate 0, hooke.trainer.burn_in: the grid counts the examples
    after them), the perturbing examples, the rejected side of a contrastive engine (the
    aligning pool's, or the model's own samples) and the aligning pool (a guard mixes it in)."""
    burn = int(params.get("burn_in_steps", 0))
    steps = {s + burn: x for s, x in grid_steps(grid, params["batch_size"]).items()}
    total = max(grid) + burn * params["batch_size"]
    seed = draw_seed(params, meta["seed"])
    pool = first_pairs(perturb_path, None, "rebound.grid", seed)
    if len(pool) < total:
        what = (
            "rebound.grid and rebound.perturb.burn_in_steps need" if burn else "rebound.grid needs"
        )
        raise HookeError(f"{perturb_path}: {len(pool)} examples, {what} {total}")
    aligning = opposite = first_pairs(opposite_path, None, "rebound.grid", seed)
    if params.get("pool") == "balanced":
        pool = balanced_pool(pool, aligning, total, perturb_path)
    if params.get("pairs", "pools") == "own_samples" and engine(algorithm).contrastive:
        opposite = own_samples(model, tokenizer, pool.head(total), params, meta["seed"])
    return steps, pool.head(total), opposite, aligning


def _write_run(reader, grid, records, algorithm, meta, outputs) -> None:
    """A finished run's outputs: the readouts and sampled responses at every grid point,
    and the training losses."""
    table, responses = reader.collect(grid)
    write_metrics(table, outputs["readouts"])
    with atomic_file(outputs["responses"]) as tmp:
        responses.to_parquet(tmp, index=False)
    losses = metrics_table(loss_rows(records), **{"algorithm": algorithm, **meta_of(meta)})
    write_metrics(losses, outputs["metrics"])


def meta_of(meta: Mapping[str, Any]) -> dict[str, Any]:
    """A run's metadata as metrics columns: the aligning volume `n` is no column (the
    readouts place it in n_pos or n_neg by direction)."""
    return {k: v for k, v in meta.items() if k != "n"}


def _read_checkpoints(reader: GridReader, work: Path, steps, trust_remote_code) -> None:
    """Read every saved grid checkpoint (a run of several processes, after training)."""
    from hooke.models import load_model, whole_models_again

    whole_models_again()
    for examples in sorted(steps.values()):
        reader.at(load_model(checkpoint_dir(work, examples), trust_remote_code), examples)


def balanced_pool(perturb, aligning, total: int, where):
    """The balanced control's stream (rebound.controls: balanced): both poles' examples in
    turn, total of them — the same format and template as the perturbation, no pull toward
    either pole: where the margin rests and the floor of the KL to the base."""
    import pandas as pd

    half = (total + 1) // 2
    if min(len(perturb), len(aligning)) < half:
        raise HookeError(f"{where}: the balanced control needs {half} examples of each pole")
    rows = [frame.iloc[i] for i in range(half) for frame in (perturb, aligning)][:total]
    return pd.DataFrame(rows)[["prompt", "response"]].reset_index(drop=True)


def own_samples(model, tokenizer, pool, params: Mapping[str, Any], seed: int):
    """The starting model's own answer to each perturbing prompt (one sample at temperature
    1 of up to `max_completion_length` tokens, seeded): the opposite side of same-prompt
    pairs, so that chosen and rejected answer one prompt and differ in pole, not topic.
    Chosen is human text and rejected model text; the reference model of DPO is the same
    starting model, so its margin is measured from where the model stands."""
    import pandas as pd

    from hooke.generate import generate_responses
    from hooke.models import device

    settings = {
        "max_new_tokens": params.get("max_completion_length", 32),
        "temperature": 1.0,
        "top_p": 1.0,
        "batch_size": 100,
    }
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"  # the sampler reads left-padded batches
    try:
        answers = generate_responses(
            model.to(device()), tokenizer, pool["prompt"].tolist(), settings, seed
        )
    finally:
        tokenizer.padding_side = side
    return pd.DataFrame({"prompt": pool["prompt"].tolist(), "response": answers["response"]})


def _teacher(which: str | None, reader: GridReader, start_dir, trust_remote_code):
    """The distillation controls' teacher (hooke.variants): the base (the readouts' KL
    reference, loaded once for both), or a frozen copy of the model's own start."""
    if which == "base":
        return reader.base
    if which == "self":
        from hooke.models import load_model

        return load_model(start_dir, trust_remote_code).eval()
    return None


def _reward(scorer_dir, meta: Mapping[str, Any]):
    """GRPO's reward from the task scorer, toward the perturbing pole of the run's direction."""
    if not scorer_dir:
        return None
    return pole_reward(load_scorer(scorer_dir), meta["direction"] == "negative_first")
