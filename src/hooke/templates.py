"""How a prompt and its response are laid out as text for the policy model, per task
(`tasks.<task>.template`), the same in every stage that trains, samples or reads a model:

- continuation: the prompt as it is, the response after a space (IMDb review openings);
- safe_rlhf: safe-rlhf's dialogue format, "BEGINNING OF CONVERSATION: USER: {prompt}
  ASSISTANT:" with the response right after the colon, as the paper trains its instruction
  data (Alpaca, TruthfulQA, BeaverTails);
- chat: the tokenizer's own chat template (a user turn and the generation prompt);
- auto (the default): chat where the model's tokenizer carries a chat template (an
  instruction-tuned base reads text best in the layout it was tuned on), continuation where
  it does not (a base model, and every model hooke pre-trains); resolved when the process
  loads its tokenizer (hooke.models.load_tokenizer), so every stage of a base agrees.

A job's template comes from its rule's `template` param (a changed template re-runs what it
shapes) and is set once by hooke.script.entry; the scorers see the raw prompt.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from hooke.errors import HookeError

TEMPLATES = ("continuation", "safe_rlhf", "chat", "auto")
SAFE_RLHF = "BEGINNING OF CONVERSATION: USER: {prompt} ASSISTANT:"
CURRENT = ["continuation"]


def use(name: str) -> None:
    """Lay out every prompt and response of this process by template `name`."""
    if name not in TEMPLATES:
        raise HookeError(f"template '{name}' is not one of {', '.join(TEMPLATES)}")
    CURRENT[0] = name


def resolve(tokenizer) -> str:
    """The layout this process uses: `auto` becomes chat or continuation by whether
    `tokenizer` carries a chat template; any other template stays as it was set."""
    if CURRENT[0] == "auto":
        CURRENT[0] = "chat" if getattr(tokenizer, "chat_template", None) else "continuation"
    return CURRENT[0]


@contextlib.contextmanager
def using(name: str) -> Iterator[None]:
    """`use(name)` for the duration of a block (tests)."""
    before = CURRENT[0]
    use(name)
    try:
        yield
    finally:
        CURRENT[0] = before


def prompts(texts: Sequence[str], tokenizer) -> list[str]:
    """The prompts as the policy model reads them, ready for `tokenizer(...)` (which adds
    the beginning-of-text token itself where the tokenizer does)."""
    name = resolve(tokenizer)
    if name == "continuation":
        return list(texts)
    if name == "safe_rlhf":
        return [SAFE_RLHF.format(prompt=text) for text in texts]
    if not getattr(tokenizer, "chat_template", None):
        raise HookeError("template 'chat': the model's tokenizer has no chat template")
    bos = tokenizer.bos_token or ""
    out = []
    for text in texts:
        rendered = tokenizer.apply_chat_template(
            [{"role": "user", "content": text}], tokenize=False, add_generation_prompt=True
        )
        # the template may spell the beginning-of-text token that tokenizing adds again
        out.append(rendered[len(bos) :] if bos and rendered.startswith(bos) else rendered)
    return out


def responses(texts: Sequence[str]) -> list[str]:
    """The responses as they follow their prompts: after a space in a continuation, right
    after the prompt otherwise."""
    if CURRENT[0] == "auto":  # a layout is fixed by the tokenizer, before any response
        raise HookeError("template 'auto': no tokenizer loaded yet to decide the layout")
    separator = " " if CURRENT[0] == "continuation" else ""
    return [separator + text for text in texts]
