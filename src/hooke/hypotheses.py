"""The paper's claims as pre-stated hypotheses, and how a measured effect becomes a label.

Each hypothesis names its primary measure, oriented so that a positive value sides with the
paper and made dimensionless (a contrast of speeds, a relative change per doubling, a share
of a starting KL), so that its smallest effect of interest (SESOI) does not depend on the
readout's units; the SESOI carries its reason. The label follows from the effect's 95% CI,
computed from the design's own replication units (hooke.stats), by one rule:

- opposite: the CI lies entirely below 0;
- negligible: the CI lies entirely below the SESOI, and not entirely below 0 (no effect
  worth the name is left, in either direction an equivalence test would allow);
- supported: the CI lies above 0 and reaches the SESOI (not negligible);
- inconclusive: otherwise; the minimal detectable effect (MDE) says how large an effect this
  run could have detected with 80% power.

A claim of a value rather than a direction (H6c: the slope is the theory's 1) is judged for
equivalence instead (`equivalence`): supported when the CI lies within the value +- the SESOI,
opposite when it lies entirely outside that window, inconclusive otherwise.

Two more labels are not verdicts: `descriptive` for a hypothesis pre-stated as descriptive
(its estimate is reported, never judged), and `not testable here (needs ...)` where the
design lacks what the hypothesis needs (fewer than two independent SFT runs, fewer than
three volumes, no base control, fewer than three bases on an axis, a single seed and fewer
than three bases to replicate over, or a Setting I design whose training did not close the
KL it measures).

The stages of a rebound curve are the paper's: the fast stage runs from the start of the
perturbation until the curve reaches the base model's level under the same readout
(hooke.stages), the slow stage after. Written down here, before any run; the report, the
summary and docs/PREREGISTRATION.md read them from here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

LABELS = ("supported", "opposite", "negligible", "inconclusive")
DESCRIPTIVE = "descriptive"
NOT_TESTABLE = "not testable here"


@dataclass(frozen=True)
class Hypothesis:
    key: str
    name: str  # a few words, for the terminal summary
    claim: str
    measure: str
    unit: str
    test: str
    sesoi: float
    rationale: str  # why an effect of the SESOI's size is the smallest that matters
    needs: str  # what the design must hold for a test (the "not testable here" note)
    descriptive: bool = False


HYPOTHESES = {
    h.key: h
    for h in (
        Hypothesis(
            "H1",
            "resistance",
            "resistance: the inverse path closes more of its gap to its target than the "
            "forward path",
            "share of the starting KL(target slice || trainee) on held-back responses that "
            "training closed, inverse minus forward (kl_start - kl_end over kl_start)",
            "independent SFT runs (seeds) x held-back prompts (crossed), pairs averaged "
            "within them",
            "crossed random-effects mean, Satterthwaite t",
            0.05,
            "5 percentage points of the starting gap: the paper's own KL-change table puts "
            "the inverse path's change at about 0.6 of the forward one's (a 40% relative "
            "difference); a difference of under a twentieth of the gap is within what the "
            "order of two slices' data alone could make, and not what the paper calls "
            "resistance",
            ">= 2 independent SFT runs (resistance.sft.per_seed with >= 2 seeds), and "
            "training that closes the KL in most paths",
        ),
        Hypothesis(
            "H2",
            "two-stage rebound",
            "rebound is two-stage: a fast return to the base model's level, then a slower drift",
            "speed contrast of the likelihood margin's fall, fast stage against slow stage: "
            "(v_fast - v_slow) / (|v_fast| + |v_slow|), in [-1, 1]; 0 for a straight line",
            "seeds within base (runs of a seed averaged over volumes); bases as clusters "
            "when there are >= 3, else a fixed effect",
            "t over base means (>= 3 bases), else a fixed-effect mean over seeds within bases",
            1 / 3,
            "1/3 is a fast stage twice as fast as the slow one: the paper's curves bend "
            "severalfold where they reach the base's level; a change of speed under 2x is "
            "what a single smooth, slowly bending curve gives and would not read as two stages",
            ">= 2 seeds, or >= 3 bases",
        ),
        Hypothesis(
            "H3",
            "more alignment, faster",
            "more alignment data, faster fast-stage return",
            "relative change of the fast-stage speed per doubling of the aligning volume "
            "(OLS slope of v_fast on log2 n over the family's mean |v_fast|)",
            "per base and seed, a slope across >= 3 volumes; seeds within base, bases as "
            "clusters when >= 3",
            "t over base means (>= 3 bases), else a fixed-effect mean over seeds within bases",
            0.05,
            "half the effect the paper's own Table 3 implies: the negatives needed to return "
            "fall by 24% (Llama-2-7B) and 35% (Gemma-2B) from 1k to 10k positives, 8-12% "
            "per doubling; under 5% per doubling would not reproduce the paper's ordering",
            ">= 3 aligning volumes, and >= 2 seeds or >= 3 bases",
        ),
        Hypothesis(
            "H4",
            "grows with size",
            "the rebound grows with model size",
            "relative change of a base's fast-stage speed per doubling of its parameters, "
            "bases of equal pre-training tokens",
            "bases",
            "OLS slope across bases over their mean |v_fast|, t with bases - 2 df",
            0.05,
            "the same 5% per doubling as H3: an ordering of the fast-stage speeds half the "
            "size of the paper's own volume effect is the smallest that would reproduce its "
            "size claim's direction on three bases",
            ">= 3 bases of equal tokens and different sizes",
        ),
        Hypothesis(
            "H5",
            "grows with tokens",
            "the rebound grows with pre-training tokens",
            "relative change of a base's fast-stage speed per doubling of its pre-training "
            "tokens, bases of equal size",
            "bases",
            "OLS slope across bases over their mean |v_fast|, t with bases - 2 df",
            0.05,
            "pre-stated as descriptive: the paper sees the rebound barely at 0.1T tokens "
            "and clearly from 0.5T; local bases hold millions, so no verdict is drawn",
            ">= 3 bases of equal size and different token budgets",
            descriptive=True,
        ),
        Hypothesis(
            "H6",
            "compression law",
            "compression law: the compression rates on D_a and D_p change in opposite "
            "directions, and the ratio of the changes grows as k = |D_p| / |D_a| (slope 1)",
            "H6a: share of runs whose changes on D_a and D_p have opposite signs, minus one "
            "half; H6b: slope of ln|dA / dP| on ln k; H6c: the slope of ln|dR_a/dl / dR_p/dl| "
            "on ln k in the neural testbed, k from 10 to 10^4, a network at the optimum of the "
            "sets' mixture (hooke.compression_law); H6d: the testbed's share of (seed, k) "
            "cells with opposite signs, minus one half",
            "rebound runs, clustered by base; H6c, H6d: seeds of the neural testbed",
            "t over base means; within-base slopes, t over bases; H6c: within-seed slopes, "
            "t over seeds, judged for equivalence with the theory's 1; H6d: t over seed means",
            0.25,
            "H6a and H6b are descriptive (IMDb puts k at 1-40, far from the theorem's "
            "10^3-10^6). H6c: a slope within 1 +- 0.25 over the testbed's three decades of k "
            "keeps the ratio within 10^0.75 (5.6x) of Hooke's law at the sweep's end; further "
            "off is a different law. H6d: three quarters of the cells (0.25 above chance) "
            "with opposite signs is the least that could be called the law's signs",
            "the compression law's testbed (compression_law.seeds, >= 3 seeds) for H6c, H6d",
        ),
        Hypothesis(
            "H7",
            "every algorithm",
            "the rebound holds across perturbation algorithms",
            "H2's speed contrast, per algorithm",
            "as H2, per algorithm (each algorithm's own clusters stated)",
            "as H2, per algorithm; the weakest algorithm's label is the claim's",
            1 / 3,
            "H2's: a fast stage twice as fast as the slow one, under every algorithm, since "
            "the claim is that each of them shows the two stages the paper's figures show",
            ">= 2 seeds, or >= 3 bases, per algorithm",
        ),
        Hypothesis(
            "H8",
            "beyond fine-tuning",
            "elasticity, not plain fine-tuning: an aligned model's margin falls faster in the "
            "fast stage than the unaligned base's under the same perturbation",
            "speed contrast, aligned runs (mean over volumes) against the base control over "
            "the same window: (v_aligned - v_control) / (|v_aligned| + |v_control|)",
            "seeds within base (per algorithm and seed), bases as clusters when >= 3",
            "t over base means (>= 3 bases), else a fixed-effect mean over seeds within bases",
            0.2,
            "0.2 is an aligned model falling 1.5x as fast as the never-aligned base: a return "
            "that is mostly the perturbation's own movement of any model would not be the "
            "elasticity the paper describes",
            "the base control (rebound.controls: [base]), and >= 2 seeds or >= 3 bases",
        ),
    )
}
# H6a and H6b (IMDb's k) are descriptive; H6c and H6d, on the neural testbed, are judged.
DESCRIPTIVE_PARTS = {"H6a", "H6b"}
# Claims of a value, not of a direction: the part, and the value the theory predicts. Their
# rule (`equivalence`) replaces the one above: supported when the CI lies within the value
# +- the SESOI (an equivalence test: both one-sided tests at alpha / 2), opposite when it lies
# entirely outside that window (the data reject the theory's value), inconclusive otherwise.
EQUIVALENCE_PARTS = {"H6c": 1.0}


def label(ci_low: float, ci_high: float, sesoi: float) -> str:
    """supported / opposite / negligible / inconclusive from a 95% CI of an effect oriented
    so that positive sides with the claim (the module's rule)."""
    if not (math.isfinite(ci_low) and math.isfinite(ci_high)):
        return "inconclusive"
    if ci_high < 0:
        return "opposite"
    if ci_high < sesoi:
        return "negligible"
    if ci_low > 0:
        return "supported"
    return "inconclusive"


def equivalence(ci_low: float, ci_high: float, value: float, sesoi: float) -> str:
    """supported / opposite / inconclusive for a claim that the effect equals `value`."""
    if not (math.isfinite(ci_low) and math.isfinite(ci_high)):
        return "inconclusive"
    if value - sesoi < ci_low and ci_high < value + sesoi:
        return "supported"
    if ci_high < value - sesoi or ci_low > value + sesoi:
        return "opposite"
    return "inconclusive"


def combine(labels: list[str]) -> str:
    """A claim that must hold in every part (H7: every algorithm) takes its weakest part's
    label: supported when every part is, opposite when any part is, negligible when any part
    is (and none opposite), not testable when no part was tested, inconclusive otherwise."""
    tested = [x for x in labels if x in LABELS]
    if not tested:
        return labels[0] if labels else f"{NOT_TESTABLE} (needs data)"
    if all(x == "supported" for x in tested):
        return "supported"
    for weakest in ("opposite", "negligible"):
        if weakest in tested:
            return weakest
    return "inconclusive"


def not_testable(needs: str) -> str:
    """The label of a hypothesis this design cannot test, saying what it needs."""
    return f"{NOT_TESTABLE} (needs {needs})"
