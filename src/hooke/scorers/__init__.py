"""Scorers turn texts into a probability of the task's desirable label (e.g. positive
sentiment). Every kind sits behind one interface: `build_scorer` makes one from a task's scorer
config into a directory, `load_scorer` reads that directory back, `.score(texts)` scores."""

from hooke.scorers.base import Scorer, build_scorer, load_scorer

__all__ = ["Scorer", "build_scorer", "load_scorer"]
