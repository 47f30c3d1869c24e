"""RepNoise (Rosati et al., 2024, "Representation Noising: A Defence Mechanism Against
Harmful Finetuning"): align while pushing the representations of harmful text toward noise
and its likelihood down, so that little is left for a harmful fine-tuning to recover:

    loss = L(harmless) + beta * MMD(h_l(harmful), N(0, I))  - alpha * log(1 + L_lens(harmful))

where MMD is the maximum mean discrepancy (a sum of Gaussian kernels) between each decoder
layer's hidden states on the harmful batch's response tokens and standard Gaussian noise,
averaged over layers, and L_lens the harmful responses' cross-entropy read through every
layer (the logit lens: the final norm and the output embedding), averaged; the log bounds
the ascent. alpha and beta are the paper's names; its defaults 1 and 0.001. The harmless
data is the aligning pole, the harmful the opposite pole (paired by position)."""

from __future__ import annotations

from transformers import Trainer

from hooke.defences.streams import decoder_layers, hidden_of


def mmd(x, y, kernels: int = 5, multiplier: float = 2.0):
    """Squared maximum mean discrepancy between the rows of x and of y, with a sum of
    Gaussian kernels whose widths are spread around the mean squared distance."""
    import torch

    z = torch.cat([x, y])
    distances = torch.cdist(z, z).pow(2)
    n = len(z)
    width = distances.detach().sum() / (n * n - n) / multiplier ** (kernels // 2)
    k = sum(torch.exp(-distances / (width * multiplier**i + 1e-12)) for i in range(kernels))
    m = len(x)
    return k[:m, :m].mean() + k[m:, m:].mean() - 2 * k[:m, m:].mean()


def final_norm(model):
    """The norm before the output embedding (for the logit lens), or None."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    inner = getattr(base, "base_model", base)
    for name in ("norm", "ln_f", "final_layer_norm"):
        if hasattr(inner, name):
            return getattr(inner, name)
    return None


class RepNoiseTrainer(Trainer):
    def __init__(self, *args, harmful, alpha: float, beta: float, **kwargs):
        super().__init__(*args, **kwargs)
        self.harmful, self.alpha, self.beta = harmful, alpha, beta
        self.trace: list[dict[str, float]] = []  # per micro-batch: the loss's parts
        self._micro = (-1, 0)

    def _harmful_batch(self):
        """The harmful batch of this micro-batch (a function of the step and its position in
        the step, so a resumed run sees the same batches)."""
        step, k = self._micro
        k = k + 1 if step == self.state.global_step else 0
        self._micro = (self.state.global_step, k)
        index = self.state.global_step * self.args.gradient_accumulation_steps + k
        return self._prepare_inputs(self.harmful.batch(index))

    def noise_terms(self, model, batch):
        """(the MMD of the harmful hidden states to noise, the lens cross-entropy) on `batch`."""
        import torch
        import torch.nn.functional as F

        hidden = []
        handles = [
            layer.register_forward_hook(lambda m, a, out: hidden.append(hidden_of(out)))
            for layer in decoder_layers(model)
        ]
        try:
            outputs = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        finally:
            for handle in handles:
                handle.remove()
        labels = batch["labels"]
        mask = (labels != -100).unsqueeze(-1).to(hidden[0].dtype)
        noise = sum(
            mmd((h * mask).flatten(1), (torch.randn_like(h) * mask).flatten(1)) for h in hidden
        ) / len(hidden)
        norm, head = final_norm(model), model.get_output_embeddings()
        lenses = [head(norm(h)) for h in hidden[:-1]] if norm is not None else []
        targets = labels[:, 1:].reshape(-1)
        lens = sum(
            F.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)), targets)
            for logits in [*lenses, outputs.logits]
        ) / (len(lenses) + 1)
        return noise, lens

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        import torch

        loss, outputs = super().compute_loss(
            model, inputs, return_outputs=True, num_items_in_batch=num_items_in_batch
        )
        if model.training:
            noise, lens = self.noise_terms(model, self._harmful_batch())
            scale = 1.0 / self.args.gradient_accumulation_steps  # the side terms are means
            loss = loss + scale * (self.beta * noise - self.alpha * torch.log1p(lens))
            self.trace.append({"noise": float(noise.detach()), "harmful": float(lens.detach())})
        return (loss, outputs) if return_outputs else loss
