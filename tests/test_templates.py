"""Prompt templates: one layout per task, the same in training, sampling and reading."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import save_tiny_lm, tiny_tokenizer

from hooke import templates
from hooke.errors import HookeError

# A chat template in the usual shape: it spells the beginning-of-text token itself.
CHAT = (
    "{{ bos_token }}{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}[assistant] {% endif %}"
)


def test_each_template_lays_out_prompt_and_response():
    tokenizer = tiny_tokenizer()
    assert templates.prompts(["a good film"], tokenizer) == ["a good film"]
    assert templates.responses(["with a plot"]) == [" with a plot"]
    with templates.using("safe_rlhf"):
        assert templates.prompts(["How do I bake?"], tokenizer) == [
            "BEGINNING OF CONVERSATION: USER: How do I bake? ASSISTANT:"
        ]
        assert templates.responses(["Like this."]) == ["Like this."]
    assert templates.CURRENT == ["continuation"]  # `using` restores the layout
    with pytest.raises(HookeError, match="template 'plain' is not one of"):
        templates.use("plain")


def test_chat_uses_the_tokenizers_own_template_without_a_second_bos():
    tokenizer = tiny_tokenizer()
    with templates.using("chat"), pytest.raises(HookeError, match="has no chat template"):
        templates.prompts(["hi"], tokenizer)
    tokenizer.chat_template = CHAT
    with templates.using("chat"):
        (text,) = templates.prompts(["a good film"], tokenizer)
        assert text == "[user] a good film\n[assistant] "
        ids = tokenizer(text)["input_ids"]
        assert ids.count(tokenizer.bos_token_id) == 1 and ids[0] == tokenizer.bos_token_id
        assert templates.responses(["yes"]) == ["yes"]


def test_auto_is_chat_where_the_tokenizer_has_a_chat_template(tmp_path):
    """The default layout: an instruction-tuned base (its tokenizer carries a chat template)
    reads chat, a base without one continuation; decided when the tokenizer is loaded."""
    from hooke.models import load_tokenizer

    tokenizer = tiny_tokenizer()
    tokenizer.save_pretrained(tmp_path / "plain")
    tokenizer.chat_template = CHAT
    tokenizer.save_pretrained(tmp_path / "chat")
    for folder, layout in (("plain", "continuation"), ("chat", "chat")):
        with templates.using("auto"):
            with pytest.raises(HookeError, match="template 'auto'"):
                templates.responses(["yes"])  # no layout before a tokenizer decides it
            load_tokenizer(tmp_path / folder)
            assert templates.CURRENT == [layout]
    with templates.using("auto"):  # prompts() decides it too, from the tokenizer it gets
        assert templates.prompts(["a good film"], tokenizer) == ["[user] a good film\n[assistant] "]
    assert templates.CURRENT == ["continuation"]


def test_training_data_and_readouts_follow_the_template(tmp_path):
    """SFT examples and the teacher-forced readouts read the laid-out prompt; the loss and
    the bits fall on the response alone."""
    from hooke.measures import continuation_bits
    from hooke.models import load_model
    from hooke.trainer import completion_dataset

    tokenizer = tiny_tokenizer()
    with templates.using("safe_rlhf"):
        data = completion_dataset(["a film"], ["good plot"], tokenizer, max_length=200)
    ids, labels = data["input_ids"][0], data["labels"][0]
    text = tokenizer.decode(ids, skip_special_tokens=True)
    assert text == "BEGINNING OF CONVERSATION: USER: a film ASSISTANT:good plot"
    target = [t for t in labels if t != -100]
    assert tokenizer.decode(target, skip_special_tokens=True) == "good plot"
    model = load_model(save_tiny_lm(tmp_path / "lm"))
    plain = continuation_bits(model, tokenizer, ["a film"], ["good plot"], 200)
    with templates.using("safe_rlhf"):
        laid_out = continuation_bits(model, tokenizer, ["a film"], ["good plot"], 200)
    assert plain[0][0] != laid_out[0][0]  # the same words read after another prompt


def test_preference_pairs_answer_the_laid_out_prompt():
    from hooke.engines import preference_pairs, unpaired_feedback

    perturb = pd.DataFrame({"prompt": ["p1", "p2"], "response": ["bad", "worse"]})
    opposite = pd.DataFrame({"prompt": ["q1", "q2"], "response": ["good", "better"]})
    with templates.using("safe_rlhf"):
        pairs = preference_pairs(perturb, opposite, None)
        feedback = unpaired_feedback(perturb, opposite, None)
    assert pairs.prompt[0] == "BEGINNING OF CONVERSATION: USER: p1 ASSISTANT:"
    assert pairs.chosen.tolist() == ["bad", "worse"] and pairs.rejected[0] == "good"
    assert feedback.label.tolist() == [True, False, True, False]
    assert feedback.prompt[1] == "BEGINNING OF CONVERSATION: USER: q1 ASSISTANT:"
