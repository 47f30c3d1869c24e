"""Setting I's inverse fine-tuning (finetune_inverse): the exact token budget of a path."""

from __future__ import annotations

import pytest

from hooke.inverse import token_budget


def test_token_budget_is_exact():
    from datasets import Dataset

    from hooke.errors import HookeError

    ids = [[1] * 5, [2] * 7, [3] * 4, [4] * 6]
    labels = [[-100] + x[1:] for x in ids]  # one prompt token each
    data = Dataset.from_dict({"input_ids": ids, "labels": labels})
    cut = token_budget(data, 9, batch_size=1)
    assert [len(x) for x in cut["input_ids"]] == [4, 5]  # 3 cut: the longest first
    assert cut["labels"][1] == [-100] + [2] * 4
    # two full batches of 2: 5 + 7 + 4 + 6 = 22 tokens, 6 cut from the longest examples
    cut = token_budget(data, 16, batch_size=2)
    assert [len(x) for x in cut["input_ids"]] == [4, 4, 4, 4]
    assert sum(len(x) for x in cut["labels"]) == 16
    with pytest.raises(HookeError, match="resistance.inverse.tokens"):
        token_budget(data, 100, batch_size=2)
    with pytest.raises(HookeError, match="emptying responses"):
        token_budget(data, 5, batch_size=4)


def test_token_budget_with_steps_fixes_examples_and_tokens():
    from datasets import Dataset

    from hooke.errors import HookeError

    ids = [[1] * 5, [2] * 7, [3] * 4, [4] * 6]
    labels = [[-100] + x[1:] for x in ids]
    data = Dataset.from_dict({"input_ids": ids, "labels": labels})
    # 2 steps of 2: all four examples (22 tokens), cut to 14 from the longest responses
    cut = token_budget(data, 14, batch_size=2, steps=2)
    assert len(cut) == 4 and sum(len(x) for x in cut["input_ids"]) == 14
    # 1 step of 2: the first two examples hold 12 tokens, fewer than 14
    with pytest.raises(HookeError, match="1 steps of 2 examples hold 12 tokens"):
        token_budget(data, 14, batch_size=2, steps=1)
