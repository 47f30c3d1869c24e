"""The distillation controls' trainer (engine `distill`): TRL's GKD trainer with its KL
computed in float64.

At a teacher's own weights the forward KL's gradient is zero in exact arithmetic, but in
float32 it is not: log_softmax's backward returns p (sum p - 1), and the teacher's
probabilities sum to 1 only to ~1e-7, so the gradient is ~1e-8 instead of 0. Adam divides a
gradient by its own running size, so that residue becomes a step of about the learning rate
in a random direction: the null control (distillation toward the model's own start) drifted
as far as the effects it guards (27% of the gain in the powered run, 0.02 bpb of margin on
SmolLM2). In float64 the residue is ~1e-17, which Adam's epsilon (1e-8) turns into steps of
~1e-9 of the learning rate: the fixed point stays fixed. Away from it the loss and its
gradient are the float32 ones to float32 precision, so the positive control is unchanged.
The cost: the logits of a batch held once more in double precision, for the controls only."""

from __future__ import annotations

from trl.experimental.gkd import GKDTrainer


class ExactGKDTrainer(GKDTrainer):
    """GKDTrainer whose generalised JSD (here, with beta 0, the forward KL) runs in float64."""

    @staticmethod
    def generalized_jsd_loss(student_logits, teacher_logits, *args, **kwargs):
        loss = GKDTrainer.generalized_jsd_loss(
            student_logits.double(), teacher_logits.double(), *args, **kwargs
        )
        return loss.to(student_logits.dtype)
