"""Turning chat messages into the model's own prompt format.

We render with the chat template stored in the GGUF (``tokenizer.chat_template``), so any instruct model
gets the format it was trained on; ChatML is the fallback for models without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llama_cpp.llama_chat_format import Jinja2ChatFormatter

if TYPE_CHECKING:
    from inference.engine import LocalEngine

CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
    "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
_PROBE = "\u2063PROBE\u2063"


@dataclass(frozen=True)
class Message:
    role: str  # "system" | "user" | "assistant"
    content: str


class ChatPrompter:
    def __init__(self, template: str, eos: str, bos: str) -> None:
        self._open = Jinja2ChatFormatter(template, eos_token=eos, bos_token=bos, add_generation_prompt=True)
        self._closed = Jinja2ChatFormatter(template, eos_token=eos, bos_token=bos, add_generation_prompt=False)
        self._turn_end: int | None = None

    @classmethod
    def from_llama(cls, llm: Any) -> ChatPrompter:
        template = llm.metadata.get("tokenizer.chat_template") or CHATML
        model = llm._model
        eos = model.token_get_text(llm.token_eos()) if llm.token_eos() != -1 else ""
        bos = model.token_get_text(llm.token_bos()) if llm.token_bos() != -1 else ""
        return cls(template, eos, bos)

    def render(self, messages: list[Message]) -> str:
        """The prompt up to and including the start of the assistant's answer."""
        return self._open(messages=[{"role": m.role, "content": m.content} for m in messages]).prompt  # type: ignore[misc]

    def end_of_turn_token(self, engine: LocalEngine) -> int | None:
        """The first token the template writes after an assistant answer (e.g. ``<|im_end|>``)."""
        if self._turn_end is None:
            msgs = [{"role": "user", "content": "x"}, {"role": "assistant", "content": _PROBE}]
            text = self._closed(messages=msgs).prompt  # type: ignore[arg-type]
            tail = text.split(_PROBE, 1)[1] if _PROBE in text else ""
            tokens = engine.tokenize(tail) if tail else []
            self._turn_end = tokens[0] if tokens else -1
        return self._turn_end if self._turn_end >= 0 else None
