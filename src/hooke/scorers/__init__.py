"""Scorers turn texts into a probability of the task's desirable label (e.g. positive
sentiment). Every kind sits behind one interface (hooke.scorers.base): `build_scorer` makes
one from a task's scorer config into a directory, `load_scorer` reads that directory back,
`.score(texts)` scores. The registry of kinds lives here; each kind is a module with
`build(spec, labelled, out_dir)` and `load(spec, path)`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hooke.errors import HookeError
from hooke.scorers.base import SPEC_FILE, Scorer

__all__ = ["Scorer", "build_scorer", "load_scorer"]


def _kinds():
    from hooke.scorers import cost_model, hf_classifier, keyword, tfidf

    return {
        "tfidf": tfidf,
        "hf_classifier": hf_classifier,
        "cost_model": cost_model,
        "keyword": keyword,
    }


def build_scorer(spec: Mapping[str, Any], train: Any, out_dir: str | Path) -> dict[str, float]:
    """Train or fetch the scorer `spec` describes into `out_dir` (written atomically);
    `train` is the labelled frame (`text`, `label`). Returns held-out figures."""
    from hooke.atomic import atomic_dir

    kind = _module(spec["kind"])
    with atomic_dir(out_dir) as tmp:
        figures = kind.build(spec, train, tmp)
        (tmp / SPEC_FILE).write_text(json.dumps(dict(spec), indent=2, sort_keys=True))
    return figures


# The kinds that run a neural model; a job scoring with the others (scikit-learn, keywords)
# need not import torch and transformers (seconds of every such job's start).
TORCH_KINDS = frozenset({"hf_classifier", "cost_model"})


def saved_spec(path: str | Path) -> dict[str, Any]:
    """The spec a scorer was built from, as `build_scorer` saved it in `path`."""
    spec_path = Path(path) / SPEC_FILE
    if not spec_path.is_file():
        raise HookeError(f"{path}: not a scorer directory (no {SPEC_FILE})")
    return json.loads(spec_path.read_text())


def uses_torch(spec: Mapping[str, Any] | str | Path) -> bool:
    """Whether a scorer of this spec (or saved in this folder) runs on torch; True for a
    folder holding no spec, whose loading will say what is wrong."""
    if not isinstance(spec, Mapping):
        try:
            spec = saved_spec(spec)
        except HookeError:
            return True
    return spec.get("kind") in TORCH_KINDS


def load_scorer(path: str | Path) -> Scorer:
    """The scorer saved in `path` by `build_scorer`."""
    spec = saved_spec(path)
    return _module(spec["kind"]).load(spec, Path(path))


def _module(kind: str):
    kinds = _kinds()
    if kind not in kinds:
        raise HookeError(f"scorer kind '{kind}' is unknown; known: {', '.join(sorted(kinds))}")
    return kinds[kind]
