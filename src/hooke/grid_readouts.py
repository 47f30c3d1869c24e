"""What a perturbation run (rule finetune_perturbed) reads of its model at every grid point,
in memory, as it trains: the likelihood readouts on held-out text (hooke.readouts: bits per
byte on D_p, D_a and D_t, and the margin), and at the points of `rebound.eval.sample_at` the
sampled responses with their KL to the base. The responses are written as text for the
light scoring job (score_rebound), so that no grid checkpoint is saved for it.

A grid point's readouts are the numbers the same readouts give on a checkpoint saved there
and loaded again (tested byte for byte): the model is read in eval mode without gradients,
and the random state of the training run is put back afterwards, so that reading changes
nothing of the training that follows. Each point is written to the run's work directory as
it is read, so that a killed run resumes without reading a point twice."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hooke.atomic import atomic_file
from hooke.metrics import metrics_table
from hooke.score import point_rows, sample_responses, volumes
from hooke.splits import draw_seed, drawn, read_split

RESPONSE_COLUMNS = ["step", "item", "prompt", "response", "n_tokens"]


@dataclass(frozen=True)
class ReadoutSpec:
    """What the readouts of a run read: the base (KL reference), the held-out prompts and D_p
    texts, the aligning pool (|D_a|), the eval settings (rebound.eval) and the base's
    pre-training tokens (|D_p|, its tag)."""

    base_dir: str
    prompts_path: str
    heldout_path: str
    aligning_path: str
    params: Mapping[str, Any]
    pretrain_tokens: int | None = None
    trust_remote_code: bool = False


def sampled(examples: int, sample_at: Sequence[int] | None) -> bool:
    """Whether responses are sampled at this grid point (`rebound.eval.sample_at`; None:
    at every one)."""
    return sample_at is None or examples in sample_at


class GridReader:
    """Reads a run's model at its grid points into `work` (a resumable work directory), and
    collects what it read as one metrics table and one responses frame."""

    def __init__(self, spec: ReadoutSpec, tokenizer, meta: Mapping[str, Any], work: Path):
        from hooke.readouts import heldout_texts

        self.spec, self.tokenizer, self.work = spec, tokenizer, Path(work) / "readouts"
        self.meta = {k: v for k, v in meta.items() if k != "n"}
        self.direction, self.n = meta["direction"], int(meta["n"])
        params = spec.params
        self.seed = draw_seed(params, meta["seed"])
        stream = Path(spec.prompts_path).stem
        prompts = drawn(read_split(spec.prompts_path, ["prompt"]), self.seed, stream)
        self.prompts = prompts["prompt"].head(params["prompts"]).tolist()
        self.texts = heldout_texts(
            spec.prompts_path,
            spec.heldout_path,
            self.direction,
            params["compression_texts"],
            self.seed,
        )
        self._base = None
        self.work.mkdir(parents=True, exist_ok=True)

    @property
    def base(self):
        """The base model, loaded when a sampled point first needs it (the KL's reference)."""
        if self._base is None:
            from hooke.models import load_model

            self._base = load_model(self.spec.base_dir, self.spec.trust_remote_code)
        return self._base

    def _path(self, kind: str, examples: int) -> Path:
        return self.work / f"{kind}-{int(examples)}.parquet"

    def at(self, model, examples: int) -> None:
        """Read `model` after `examples` perturbing examples, unless a killed run's earlier
        attempt already did (each point's files are written whole or not at all)."""
        if self._path("readouts", examples).is_file():
            return
        from hooke.readouts import likelihood_readouts

        params = self.spec.params
        with reading(model, self.tokenizer):
            figures = likelihood_readouts(model, self.tokenizer, self.texts, params["max_length"])
            responses = None
            if sampled(examples, params.get("sample_at")):
                seed = self.meta["seed"]
                responses, more = sample_responses(
                    model, self.base, self.tokenizer, self.prompts, params, seed
                )
                figures.update(more)
        where = {"step": examples, **volumes(self.direction, self.n, examples)}
        if responses is not None:  # the text first: the readouts file marks the point done
            frame = responses.assign(step=examples, item=range(len(responses)))
            with atomic_file(self._path("responses", examples)) as tmp:
                frame[RESPONSE_COLUMNS].to_parquet(tmp, index=False)
        rows = (self._sizes() if examples == 0 else []) + point_rows(figures, **where)
        with atomic_file(self._path("readouts", examples)) as tmp:
            pq.write_table(metrics_table(rows, **self.meta), tmp)

    def _sizes(self) -> list[dict[str, Any]]:
        """|D_a| in tokens (the aligning examples as the policy read them; none for the base
        control) and |D_p| (the base's pre-training tokens, when tagged): k's two sides."""
        from hooke.trainer import first_pairs

        aligned = first_pairs(self.spec.aligning_path, self.n, "rebound.volumes", self.seed)
        tokens = 0.0
        if len(aligned):
            from hooke import templates

            texts = templates.prompts(aligned["prompt"].tolist(), self.tokenizer)
            answers = templates.responses(aligned["response"].tolist())
            laid_out = [p + r for p, r in zip(texts, answers, strict=True)]
            tokens = float(sum(len(ids) for ids in self.tokenizer(laid_out)["input_ids"]))
        sizes = {"aligned_tokens": tokens}
        if self.spec.pretrain_tokens:
            sizes["pretrain_tokens"] = float(self.spec.pretrain_tokens)
        at = {"step": 0, **volumes(self.direction, self.n, 0)}
        return [{**at, "metric": k, "value": v} for k, v in sizes.items()]

    def callback(self, steps: Mapping[int, int]):
        """A TrainerCallback that reads the model when the step count reaches a grid point
        (`steps`: optimizer step -> examples seen)."""
        from transformers import TrainerCallback

        reader = self

        class _Callback(TrainerCallback):
            def on_step_end(self, args, state, control, model=None, **kwargs):
                examples = steps.get(state.global_step)
                if examples is not None:
                    reader.at(model, examples)

        return _Callback()

    def collect(self, grid: Sequence[int]):
        """Every grid point's readouts as one metrics table (in grid order) and the sampled
        responses as one frame."""
        points = sorted(set(grid) | {0})
        table = pa.concat_tables([pq.read_table(self._path("readouts", x)) for x in points])
        answers = [self._path("responses", x) for x in points]
        frames = [pd.read_parquet(p) for p in answers if p.is_file()]
        responses = pd.concat(frames) if frames else pd.DataFrame(columns=RESPONSE_COLUMNS)
        return table.replace_schema_metadata(None), responses.reset_index(drop=True)


@contextlib.contextmanager
def reading(model, tokenizer) -> Iterator[None]:
    """Read a model mid-training without changing its run: eval mode, the tokenizer's padding
    side and every random generator (Python, NumPy, torch on CPU and GPU) put back after."""
    import random

    import numpy as np
    import torch

    states = (random.getstate(), np.random.get_state(), torch.get_rng_state())
    cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None
    was_training, side = model.training, tokenizer.padding_side
    try:
        with torch.no_grad():
            yield
    finally:
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch.set_rng_state(states[2])
        if cuda is not None:
            torch.cuda.set_rng_state_all(cuda)
        tokenizer.padding_side = side
        model.train(was_training)
