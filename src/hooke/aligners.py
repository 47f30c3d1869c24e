"""The alignment step of Setting II, pluggable (rebound.aligners): every run aligns its base
with one aligner, a new axis of the DAG (`results/rebound/.../{aligner}/...`).

An aligner is either an engine of hooke.engines (`sft`, `dpo`, `kto`, `simpo`; the aligning
pool's continuations are the desirable side, the opposite pool's the undesirable one) or a
user's plugin: a name under `rebound.plugins` bound to `{factory: "package.module:function",
params: {...}}`. The factory is the user's own code, imported only by a job whose aligner
names it (like a Snakemake rule, it runs with the pipeline's rights; the module must be
importable by the jobs: installed, or on PYTHONPATH). It is called with keywords

    factory(model=, tokenizer=, aligning=, opposite=, params=, output_dir=, seed=, callbacks=)

- `model`, `tokenizer`: the base, loaded for training (LoRA applied when the base asks);
- `aligning`: a DataFrame of (prompt, response), the first n examples of the aligning pole;
- `opposite`: the same columns from the other pole (for methods that contrast);
- `params`: the config's `rebound.align` section with the plugin's own `params` on top;
- `output_dir`: where the trainer keeps its checkpoints (a killed job resumes from them);
- `seed`: the run's seed; `callbacks`: callbacks the trainer must run (they watch the loss);

and returns a `transformers.Trainer` (or subclass) that hooke trains, resumes and saves. The
prompts come as plain text: lay them out with `hooke.templates` (or build the data with
`hooke.trainer.completion_dataset`) to follow the task's template."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from hooke.errors import HookeError


def is_plugin(spec) -> bool:
    """A plugin comes as its config entry (factory and params); an engine as its name."""
    return isinstance(spec, Mapping) and "factory" in spec


def load_factory(spec: str):
    """The factory behind `module:attribute`, or a one-line error naming it."""
    module, _, attribute = spec.partition(":")
    try:
        return getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError) as exc:
        raise HookeError(f"rebound.plugins: cannot load '{spec}': {exc}") from None


def alignment_trainer(
    spec: str | Mapping[str, Any],
    model,
    tokenizer,
    aligning: pd.DataFrame,
    opposite: pd.DataFrame,
    params: Mapping[str, Any],
    out: Path,
    seed: int,
    callbacks: list,
):
    """The trainer that aligns `model` on `aligning` with the engine (a name) or the plugin
    (its config entry) `spec`."""
    from transformers import Trainer

    if not is_plugin(spec):
        from hooke.engines import build_trainer

        return build_trainer(
            spec, model, tokenizer, aligning, opposite, params, out, seed, callbacks
        )
    trainer = load_factory(spec["factory"])(
        model=model,
        tokenizer=tokenizer,
        aligning=aligning,
        opposite=opposite,
        params={**params, **spec.get("params", {})},
        output_dir=out,
        seed=seed,
        callbacks=callbacks,
    )
    if not isinstance(trainer, Trainer):
        raise HookeError(
            f"rebound.plugins: '{spec['factory']}' returned {type(trainer).__name__}, not a "
            "transformers.Trainer"
        )
    return trainer
