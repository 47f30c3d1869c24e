"""The distillation controls' trainer (engine `distill`): TRL's GKD trainer with its KL
computed in float64.

At a teacher's own weights the forward KL's gradient is zero in exact arithmetic, but in
float32 it is not: log_softmax's backward returns p (sum p - 1), and the teacher's
probabilities sum to 1 only to ~1e-7, so the gradient is ~1e-8 instead of 0. Adam divides a
gradient by its own running size, so that residue becomes a step of about the learning rate
in a random direction: the null control (distillation toward the model's own start) drifted
as far as the effects it guards (27% of the gain in the powered run, 0.02 bpb of margin on
SmolLM2). In float64 the residue is ~1e-17, which Adam's epsilon (1e-8) turns into steps of
~1e-9 of the learning rate, and where the gradient is exactly zero (the tiny test's aligned
model) the model stays put to the bit. Away from it the loss and its gradient are the float32
ones to float32 precision, so the positive control is unchanged. The cost: the logits of a
batch held once more in double precision, for the controls only.

What float64 alone does not remove: the fixed point is a minimum, but not a stable one for
Adam. While the gradient g is far below epsilon, Adam's step is lr g / epsilon, plain gradient
descent at a rate lr / epsilon (1e4-3e5 here), which overshoots along every direction whose
curvature exceeds 2 epsilon / lr: a deviation of 1e-13 grows ~1e5-fold a step (measured on the
tiny base distilled toward itself: logits 0, 4e-13, 3e-8, 1e-5 apart after steps 1-4, its
margin 0.0002 -> 0.0056 over 12 steps) until the gradient reaches epsilon's size. So a batch
whose KL is at rounding level (below FLOOR, nats per token; two identical forward passes give
exactly 0) contributes a zero gradient: the step carries no direction, only the rounding Adam
would amplify. Weight decay and dropout still act (dropout makes the student's logits differ
from the teacher's, so its KL is above the floor): they are the training path's own drift,
which the null control exists to measure. Any real pull (the positive control's KL starts at
1e-3-1e-2 nats per token) is far above the floor."""

from __future__ import annotations

from trl.experimental.gkd import GKDTrainer

FLOOR = 1e-12  # nats per token: a KL of rounding size, far below any pull a control makes


class ExactGKDTrainer(GKDTrainer):
    """GKDTrainer whose generalised JSD (here, with beta 0, the forward KL) runs in float64,
    with a zero gradient for a batch already at the teacher (KL below FLOOR)."""

    @staticmethod
    def generalized_jsd_loss(student_logits, teacher_logits, *args, **kwargs):
        loss = GKDTrainer.generalized_jsd_loss(
            student_logits.double(), teacher_logits.double(), *args, **kwargs
        )
        if loss.detach().abs() < FLOOR:
            loss = loss * 0.0  # the graph stays (the Trainer backpropagates), its gradient 0
        return loss.to(student_logits.dtype)
