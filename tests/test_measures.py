"""Token-level measures and statistics against hand-computed answers."""

from __future__ import annotations

import math
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import torch

from hooke.measures import kl_from_logprobs, next_token_logprobs, nll_from_logits
from hooke.stats import sign_test


def _logits(*rows):
    """(1, T, V) logits whose softmax is the given probability rows."""
    return torch.log(torch.tensor([rows], dtype=torch.float64))


def _kl(logits_p, logits_q, labels):
    """The KL readout as example_kl_and_nll computes it: each model's log-probabilities, then
    the summed KL over labelled positions."""
    return kl_from_logprobs(next_token_logprobs(logits_p), next_token_logprobs(logits_q), labels)


def test_kl_on_a_two_token_distribution():
    p = _logits([0.5, 0.5], [0.2, 0.8], [1.0, 0.0 + 1e-12])
    q = _logits([0.9, 0.1], [0.2, 0.8], [0.5, 0.5])
    labels = torch.tensor([[-100, 0, 1]])  # positions 0 and 1 predict a label; 2 predicts none
    total, count = _kl(p, q, labels)
    expected = 0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(0.5 / 0.1) + 0.0
    assert count.item() == 2
    assert total.item() == pytest.approx(expected, abs=1e-6)  # computed in float32


def test_kl_of_a_model_with_itself_is_zero():
    p = _logits([0.3, 0.7], [0.6, 0.4])
    total, _ = _kl(p, p, torch.tensor([[0, 1]]))
    assert total.item() == pytest.approx(0.0, abs=1e-6)


def test_nll_picks_the_labelled_tokens():
    logits = _logits([0.25, 0.75], [0.5, 0.5], [0.1, 0.9])
    labels = torch.tensor([[-100, 1, 0]])  # token 1 after position 0, token 0 after position 1
    total, count = nll_from_logits(logits, labels)
    assert count.item() == 2
    assert total.item() == pytest.approx(-math.log(0.75) - math.log(0.5))


def test_sign_test():
    assert sign_test(3, 3) == pytest.approx(0.125)
    assert sign_test(27, 27) == pytest.approx(0.5**27)
    assert sign_test(0, 3) == pytest.approx(1.0)


def test_bits_per_byte_of_a_uniform_model():
    from types import SimpleNamespace

    from helpers import tiny_tokenizer

    from hooke.measures import bits_per_byte

    tokenizer = tiny_tokenizer()
    vocab = len(tokenizer)

    class Uniform(torch.nn.Module):
        def forward(self, input_ids, attention_mask=None):
            return SimpleNamespace(logits=torch.zeros(*input_ids.shape, vocab))

    texts = ["a good film with a great plot", "dull acting"]
    per_byte, per_token = bits_per_byte(Uniform(), tokenizer, texts, max_length=64)
    ids = [tokenizer(t)["input_ids"][1:] for t in texts]  # all but <s>
    n_tokens = sum(len(i) for i in ids)
    n_bytes = sum(len(tokenizer.decode(i).encode()) for i in ids)
    assert per_token == pytest.approx(math.log2(vocab))
    assert per_byte == pytest.approx(n_tokens * math.log2(vocab) / n_bytes)
    assert n_bytes == len(" ".join(texts).encode()) - 1  # the texts, byte for byte


def test_continuation_bits_count_only_the_continuation():
    from helpers import save_tiny_lm

    from hooke.measures import continuation_bits
    from hooke.models import load_model, load_tokenizer

    folder = save_tiny_lm(Path(tempfile.mkdtemp()) / "lm")
    model, tokenizer = load_model(folder), load_tokenizer(folder)
    bits, tokens, n_bytes = continuation_bits(
        model, tokenizer, ["a good film", "a bad film"], ["with a plot", "dull"], max_length=32
    )
    assert tokens.tolist() == [
        len(tokenizer(" with a plot", add_special_tokens=False)["input_ids"]),
        len(tokenizer(" dull", add_special_tokens=False)["input_ids"]),
    ]
    assert n_bytes.tolist() == [len(" with a plot"), len(" dull")]
    assert (bits > 0).all()
    again = continuation_bits(model, tokenizer, ["a good film"], ["with a plot"], max_length=32)
    assert again[0][0] == pytest.approx(bits[0])  # no sampling: the same text, the same bits


SCORING_JOB = """
import sys
from hooke.runtime import setup
setup(1, 0)
from hooke.generate import generate_responses
from hooke.measures import bits_per_byte, continuation_bits
from hooke.models import load_model, load_tokenizer
model, tokenizer = load_model(sys.argv[1]), load_tokenizer(sys.argv[1], padding_side="left")
continuation_bits(model, tokenizer, ["a good film"], ["with a plot"], max_length=32)
bits_per_byte(model, tokenizer, ["a good film with a plot"], max_length=32)
params = {"max_new_tokens": 4, "temperature": 1.0, "top_p": 1.0, "batch_size": 2}
generate_responses(model, tokenizer, ["a film", "a plot"], params, 0, reference=model)
heavy = ("peft", "datasets", "trl", "transformers.trainer_utils")
print(sorted(name for name in heavy if name in sys.modules))
"""


def test_a_scoring_job_imports_no_training_library(tmp_path):
    """Sampling and likelihood readouts need neither peft nor datasets: importing them (via
    transformers.set_seed or a datasets.Dataset of rows) cost every scoring job ~1.5 s."""
    from helpers import save_tiny_lm

    folder = save_tiny_lm(tmp_path / "lm")
    out = subprocess.run(
        [sys.executable, "-c", SCORING_JOB, str(folder)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_kl_and_both_nlls_from_one_pass_equal_the_separate_measures(tmp_path):
    from helpers import save_tiny_lm

    from hooke.measures import example_kl, example_kl_and_nll, example_nll
    from hooke.models import load_model, load_tokenizer

    torch.manual_seed(0)
    tokenizer = load_tokenizer(save_tiny_lm(tmp_path / "p"))
    torch.manual_seed(1)
    p, q = load_model(tmp_path / "p"), load_model(save_tiny_lm(tmp_path / "q"))
    rows = [
        {"input_ids": ids, "attention_mask": [1] * len(ids), "labels": [-100] * 3 + ids[3:]}
        for ids in ([5, 6, 7, 8, 9, 10], [11, 12, 13, 14], [7, 7, 8, 9, 9, 9, 10])
    ]
    kl, nll_p, nll_q = example_kl_and_nll(p, q, tokenizer, rows, batch_size=2)
    expected = (example_kl(p, q, tokenizer, rows, 2), example_nll(p, tokenizer, rows, 2))
    assert kl.total.tolist() == expected[0].total.tolist() and (kl.total > 0).all()
    assert nll_p.total.tolist() == expected[1].total.tolist()
    assert nll_q.total.tolist() == example_nll(q, tokenizer, rows, 2).total.tolist()
    assert kl.tokens.tolist() == nll_p.tokens.tolist() == [3, 1, 4]
