"""Harvest (harvest_responses): hooke's cached sampling loop against HF generate, and what
counts as a generated response."""

from __future__ import annotations

import pytest
import torch
from helpers import save_tiny_lm

from hooke.generate import sample_batch
from hooke.models import load_model, load_tokenizer

PROMPTS = ["a good film", "dull acting and a bad story with", "great", "a bad film with a"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny random Llama whose </s> logit is raised by 2 (a hook on the head, seen by both
    samplers), so that rows finish at different steps."""
    folder = save_tiny_lm(tmp_path_factory.mktemp("lm"))
    model, tokenizer = load_model(folder).eval(), load_tokenizer(folder, padding_side="left")
    bump = torch.zeros(len(tokenizer))
    bump[tokenizer.eos_token_id] = 2.0
    model.lm_head.register_forward_hook(lambda module, args, out: out + bump)
    return model, tokenizer


def _both(model, tokenizer, temperature, top_p, seed=7, new=24):
    enc = tokenizer(PROMPTS * 8, return_tensors="pt", padding=True)
    params = {"temperature": temperature, "top_p": top_p, "max_new_tokens": new}
    ids = (tokenizer.eos_token_id, tokenizer.pad_token_id)
    with torch.no_grad():
        torch.manual_seed(seed)
        reference = model.generate(
            **enc,
            do_sample=True,
            top_k=0,
            temperature=temperature,
            top_p=top_p,
            max_new_tokens=new,
            eos_token_id=ids[0],
            pad_token_id=ids[1],
        )[:, enc["input_ids"].shape[1] :]
        torch.manual_seed(seed)
        ours = sample_batch(model, enc["input_ids"], enc["attention_mask"], params, *ids)
    return enc, reference, ours


@pytest.mark.parametrize(("temperature", "top_p"), [(1.0, 1.0), (0.7, 0.8)])
def test_sampling_loop_draws_the_tokens_hf_generate_draws(tiny, temperature, top_p):
    model, tokenizer = tiny
    _, reference, ours = _both(model, tokenizer, temperature, top_p)
    generated, mask = ours.tokens, ours.mask
    assert generated.shape == reference.shape
    assert torch.equal(generated, reference)
    assert 0 < int(mask.sum()) < mask.numel()  # some rows stopped early, some ran long


def test_generated_mask_stops_after_first_eos(tiny):
    model, tokenizer = tiny
    _, _, ours = _both(model, tokenizer, 1.0, 1.0)
    generated, mask = ours.tokens, ours.mask
    eos, pad = tokenizer.eos_token_id, tokenizer.pad_token_id
    finished = 0
    for row, keep in zip(generated.tolist(), mask.tolist(), strict=True):
        stop = row.index(eos) + 1 if eos in row else len(row)
        finished += eos in row
        assert keep == [1] * stop + [0] * (len(row) - stop)
        assert row[stop:] == [pad] * (len(row) - stop)
    assert finished >= 8


def test_sampled_nll_is_the_teacher_forced_nll(tiny):
    """gen_nll, read off the logits the sampling drew from, equals one forward pass over the
    finished sequences (what the harvest computed before the loop)."""
    model, tokenizer = tiny
    enc, _, ours = _both(model, tokenizer, 0.7, 0.8)
    generated, mask, nll = ours.tokens, ours.mask, ours.nll
    sequences = torch.cat([enc["input_ids"], generated], 1)
    attention = torch.cat([enc["attention_mask"], mask], 1)
    positions = (attention.cumsum(-1) - 1).clamp(min=0)
    with torch.no_grad():
        logits = model(input_ids=sequences, attention_mask=attention, position_ids=positions).logits
    logp = torch.log_softmax(logits[:, :-1].float(), -1).gather(-1, sequences[:, 1:, None])
    prompt = enc["input_ids"].shape[1]
    expected = -(logp.squeeze(-1)[:, prompt - 1 :] * mask).sum(-1)
    torch.testing.assert_close(nll, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("max_length", [None, 12])
def test_lockstep_kl_is_the_teacher_forced_kl(tiny, tmp_path, max_length):
    """KL(model || reference) read in lock-step while sampling equals the exact KL of one
    teacher-forced pass of both models over prompt + response (cut to `max_length`)."""
    from hooke.generate import generate_responses
    from hooke.measures import example_kl
    from hooke.trainer import token_dataset

    model, tokenizer = tiny
    reference = load_model(save_tiny_lm(tmp_path / "other"))  # another random init
    params = {"temperature": 1.0, "top_p": 1.0, "max_new_tokens": 16, "batch_size": 8}
    if max_length:
        params["max_length"] = max_length
    prompts = PROMPTS * 4
    frame = generate_responses(model, tokenizer, prompts, params, 3, reference=reference)
    data = token_dataset(
        tokenizer(prompts)["input_ids"], frame.response_ids.tolist(), max_length or 10**6
    )
    tokenizer.padding_side = "right"
    try:
        exact = example_kl(model, reference, tokenizer, data)
    finally:
        tokenizer.padding_side = "left"
    assert frame.kl_positions.sum() == exact.tokens.sum() > 0
    assert frame.kl.sum() == pytest.approx(exact.total.sum(), rel=1e-4)
    # and what checkpoint scoring computes on a GPU, where it reads the samples afterwards
    from hooke.score import _teacher_forced_kl

    tokenizer.padding_side = "right"
    try:
        after = _teacher_forced_kl(model, reference, tokenizer, prompts, frame, max_length or 10**6)
    finally:
        tokenizer.padding_side = "left"
    assert after == pytest.approx(frame.kl.sum() / frame.kl_positions.sum(), rel=1e-4)
    if max_length:  # the cut was felt
        assert frame.kl_positions.sum() < frame.n_tokens.sum()


def test_a_harvest_too_short_for_the_inverse_budget_fails_at_the_harvest(tmp_path):
    """The inverse paths' token budget is checked by the first job that knows the responses'
    lengths (the harvest), in one line naming the key, with nothing written; a budget the
    responses can fill passes and the harvest is written as before."""
    import pandas as pd

    from hooke.errors import HookeError
    from hooke.harvest import harvest_responses

    folder = save_tiny_lm(tmp_path / "lm")
    prompts = tmp_path / "prompts.parquet"
    pd.DataFrame({"prompt": PROMPTS * 3}).to_parquet(prompts)
    params = {"prompts": 12, "temperature": 1.0, "top_p": 1.0, "max_new_tokens": 6}
    params["batch_size"] = 4
    budget = {"eval_prompts": 4, "tokens": 10_000, "batch_size": 4, "max_length": 64}
    out = tmp_path / "out.parquet"
    with pytest.raises(HookeError, match=r"^slice 1's harvest \(seed 0\): the responses hold "):
        harvest_responses(folder, prompts, out, params, seed=0, slice_k=1, budget=budget)
    with pytest.raises(HookeError, match=r"resistance\.inverse\.tokens"):
        harvest_responses(folder, prompts, out, params, seed=0, slice_k=1, budget=budget)
    assert not out.exists()
    harvest_responses(
        folder, prompts, out, params, seed=0, slice_k=1, budget={**budget, "tokens": 80}
    )
    assert len(pd.read_parquet(out)) == 12
