"""No U+FFFD that the source did not have: a character whose bytes the tokenizer splits between tokens (an
emoji, CJK) is decoded whole, in generation and when a long text is cut into chunks by tokens. The real
starter model, whose byte-level tokenizer splits "🙂" into two tokens."""

from __future__ import annotations

from inference.engine import LocalEngine
from inference.prompting import Message
from inference.tasks.base import SummarizeSpec
from inference.tasks.summarize import cut_by_tokens, summarize

REPLACEMENT = "\ufffd"
TEXT = "🙂🙂🙂 日本語のテキスト 🙂 café"


def test_the_starter_tokenizer_splits_an_emoji_between_tokens(engine: LocalEngine) -> None:
    pieces = [engine.token_piece(t) for t in engine.tokenize("🙂", special=False)]
    assert len(pieces) >= 2 and all(REPLACEMENT in p.decode("utf-8", "replace") for p in pieces)  # the premise


def test_a_generation_cut_inside_a_character_never_ends_in_u_fffd(engine: LocalEngine) -> None:
    prompt = engine.tokenize(engine.prompter.render([Message("system", "Repeat the user's text exactly."),
                                                     Message("user", "🙂🙂🙂 日本語 🙂")]))
    cut_inside = 0
    for n in range(1, 12):  # every cut, including those between the two tokens of one emoji
        streamed: list[str] = []
        generation = engine.generate(prompt, n, on_token=streamed.append)
        cut_inside += REPLACEMENT in engine.detokenize(generation.tokens)  # a plain decode would show U+FFFD
        assert REPLACEMENT not in generation.text, (n, generation.text)
        assert "".join(streamed) == generation.text  # streamed: whole characters, once complete
    assert cut_inside >= 2 and "🙂" in generation.text  # the attack happened: cuts inside an emoji


def test_a_long_sentence_cut_by_tokens_keeps_every_character_whole(engine: LocalEngine) -> None:
    tokens = engine.tokenize(TEXT * 3, special=False)
    for budget in (1, 2, 3, 5):
        pieces = cut_by_tokens(engine, tokens, budget)
        assert "".join(pieces) == TEXT * 3 and not any(REPLACEMENT in p for p in pieces), budget


def test_a_summary_of_emoji_text_has_no_u_fffd(engine: LocalEngine) -> None:
    text = ("Our team 🙂 shipped the release on Friday 🎉. Customers in 東京 and São Paulo 🌎 reported faster "
            "start-up 🚀 and fewer crashes 🐛. Next week we fix the export bug 🙏. ") * 3
    for words in (5, 9, 14):
        result = summarize(engine, text, SummarizeSpec(max_words=words))
        assert REPLACEMENT not in result.output, (words, result.output)
