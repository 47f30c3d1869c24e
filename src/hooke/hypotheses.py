"""The paper's claims as pre-stated hypotheses, and how a measured effect becomes a verdict.

Each hypothesis names its primary measure (oriented so that a positive value sides with the
paper), its replication unit, its test and the smallest effect it calls meaningful (SESOI).
The verdict follows from the effect's 95% CI, computed from the design's own replication
units (hooke.stats):

- supported: the CI lies above 0 (one-sided p < 0.025);
- contradicted: the CI lies below 0, or below the SESOI (every effect the CI allows is too
  small to matter: an equivalence-style rejection of the claim);
- inconclusive: neither; the minimal detectable effect (MDE) says how large an effect this
  run could have detected with 80% power.

Written down here, before any run; the report and the summary read them from here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Hypothesis:
    key: str
    claim: str
    measure: str
    unit: str
    test: str
    sesoi: float


HYPOTHESES = {
    h.key: h
    for h in (
        Hypothesis(
            "H1",
            "resistance: the inverse path ends closer to its target than the forward path",
            "forward - inverse KL(target slice || trainee) after training, on held-back "
            "responses (nats per token)",
            "SFT seeds x held-back prompts (crossed), pairs averaged within them",
            "crossed random-effects mean, Satterthwaite t",
            0.005,
        ),
        Hypothesis(
            "H2",
            "rebound is two-stage: a fast return toward the base, then a slower drift",
            "early minus late fall of the likelihood margin per 100 perturbing examples "
            "(bits per byte; 0 for a straight line)",
            "rebound runs (volume x seed x algorithm), clustered by base",
            "t over base means",
            0.005,
        ),
        Hypothesis(
            "H3",
            "more alignment data, faster early return",
            "slope of the early fall of the likelihood margin (per 100 examples) on "
            "ln(aligning examples)",
            "runs across volumes within a base and algorithm, seeds as replicates; bases as "
            "clusters",
            "within-family OLS slopes, t over bases (one family: OLS SE)",
            0.002,
        ),
        Hypothesis(
            "H4",
            "rebound grows with model size",
            "slope of the base's early fall (per 100 examples) on ln(parameters), bases "
            "of equal pre-training tokens",
            "bases",
            "OLS slope across bases, t with bases - 2 df",
            0.002,
        ),
        Hypothesis(
            "H5",
            "rebound grows with pre-training tokens",
            "slope of the base's early fall (per 100 examples) on ln(tokens), bases of equal size",
            "bases",
            "OLS slope across bases, t with bases - 2 df",
            0.002,
        ),
        Hypothesis(
            "H6",
            "compression law: bits per byte on D_a and D_p change in opposite directions, "
            "and the ratio grows with k = |D_p| / |D_a|",
            "H6a: share of runs whose changes on D_a and D_p have opposite signs, minus one "
            "half; H6b: slope of ln|dA / dP| on ln k; H6c: the same slope on synthetic "
            "languages, k from 10 to 10^4 (hooke.compression_law)",
            "rebound runs, clustered by base; H6c: seeds of the synthetic testbed",
            "t over base means; within-base slopes, t over bases; H6c: within-seed slopes, "
            "t over seeds",
            0.2,
        ),
        Hypothesis(
            "H7",
            "the rebound holds across perturbation algorithms",
            "H2's measure (early minus late fall of the margin per 100 examples), per algorithm",
            "rebound runs of each algorithm, clustered by base",
            "t over base means, per algorithm; supported when every algorithm is",
            0.005,
        ),
        Hypothesis(
            "H8",
            "elasticity, not plain fine-tuning: an aligned model's margin falls faster early "
            "than the unaligned base's under the same perturbation (the base control)",
            "early fall of the likelihood margin per 100 perturbing examples, aligned runs "
            "(mean over volumes) minus the base control, per base, seed and algorithm",
            "seeds x algorithms, clustered by base (needs rebound.controls: [base])",
            "t over base means",
            0.005,
        ),
    )
}


def verdict(ci_low: float, ci_high: float, sesoi: float) -> str:
    """supported / contradicted / inconclusive from a 95% CI of an effect oriented so that
    positive sides with the claim."""
    if not (math.isfinite(ci_low) and math.isfinite(ci_high)):
        return "inconclusive"
    if ci_low > 0:
        return "supported"
    if ci_high < 0 or ci_high < sesoi:
        return "contradicted"
    return "inconclusive"


def combine(verdicts: list[str]) -> str:
    """A claim that must hold in every part (H7: every algorithm): supported when every part
    is, contradicted when any part is, inconclusive otherwise."""
    if verdicts and all(v == "supported" for v in verdicts):
        return "supported"
    return "contradicted" if "contradicted" in verdicts else "inconclusive"
