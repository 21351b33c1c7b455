"""Frontier model prices (a dated, editable TOML table) and offline cost estimates.

``PriceTable.load()`` reads ``resources/prices.toml`` (USD per million input/output tokens per model id,
with ``as_of`` and ``source``). ``cost(model, input_tokens, output_tokens)`` prices a finished call from
its usage; ``estimate(...)`` prices a call before it is sent, from a character-based token count
(no network call).

A model id with a date suffix (``claude-haiku-4-5-20251001``) uses the entry without it. A model that
is not in the table is priced at the table's highest rates, so budgets are never under-counted;
``is_known(model)`` and ``Estimate.price_known`` say when that happened.
"""

from __future__ import annotations

import logging
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from inference.errors import InhouseError

log = logging.getLogger(__name__)

PRICES_FILE = Path(__file__).resolve().parent.parent / "resources" / "prices.toml"
CHARS_PER_TOKEN = 3.5  # conservative for English prose (about 4 on average): estimates err high
MESSAGE_OVERHEAD_TOKENS = 12  # role markers and framing the API adds around each message
_DATE_SUFFIX = re.compile(r"-\d{8}$")
_PER_MILLION = 1_000_000


class PriceTableInvalid(InhouseError):
    hint = (
        "Fix the price file: each [models.<id>] needs numeric `input` and `output` (USD per million tokens)."
    )


@dataclass(frozen=True)
class ModelPrice:
    """USD per million tokens for one model; the long-context rates apply to the whole call."""

    model: str
    input_per_mtok: float
    output_per_mtok: float
    long_context_threshold: int | None = None
    long_input_per_mtok: float | None = None
    long_output_per_mtok: float | None = None
    token_factor: float = 1.0
    known: bool = True

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        if input_tokens < 0 or output_tokens < 0:
            raise ValueError("token counts must not be negative")
        rate_in, rate_out = self.input_per_mtok, self.output_per_mtok
        if self.long_context_threshold is not None and input_tokens > self.long_context_threshold:
            rate_in = self.long_input_per_mtok if self.long_input_per_mtok is not None else rate_in
            rate_out = self.long_output_per_mtok if self.long_output_per_mtok is not None else rate_out
        return (input_tokens * rate_in + output_tokens * rate_out) / _PER_MILLION


@dataclass(frozen=True)
class Estimate:
    """A cost estimate made before sending: ``cost_usd`` for the expected answer length,
    ``max_cost_usd`` if the answer used every allowed output token."""

    input_tokens: int
    output_tokens: int
    cost_usd: float
    max_cost_usd: float
    price_known: bool = True


def estimate_tokens(text: str, token_factor: float = 1.0) -> int:
    """A character-based token count that errs high (no tokenizer, no network)."""
    if not text:
        return 0
    return math.ceil(len(text) / CHARS_PER_TOKEN * token_factor)


@dataclass(frozen=True)
class PriceTable:
    as_of: date
    source: str
    models: Mapping[str, ModelPrice]
    path: Path | None = None
    _warned: set[str] = field(default_factory=set, init=False, compare=False, repr=False)

    @classmethod
    def load(cls, path: Path | None = None) -> PriceTable:
        """Read the table from ``path`` (default: the bundled ``resources/prices.toml``)."""
        target = path or PRICES_FILE
        try:
            data = tomllib.loads(target.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise PriceTableInvalid(f"Price file not found: {target}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise PriceTableInvalid(f"Price file {target} is not valid TOML: {exc}") from None
        return cls.from_dict(data, path=target)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, path: Path | None = None) -> PriceTable:
        where = str(path) if path else "price table"
        as_of = data.get("as_of")
        if not isinstance(as_of, date):
            raise PriceTableInvalid(f"{where}: `as_of` must be a date like 2026-11-01")
        models = data.get("models")
        if not isinstance(models, Mapping) or not models:
            raise PriceTableInvalid(f"{where}: no [models.<id>] entries")
        parsed = {name: _parse_model(name, entry, where) for name, entry in models.items()}
        return cls(as_of=as_of, source=str(data.get("source", "")), models=parsed, path=path)

    def is_known(self, model: str) -> bool:
        return self._lookup(model) is not None

    def price(self, model: str) -> ModelPrice:
        """The model's price; for an unknown model, the highest rates in the table (``known=False``)."""
        found = self._lookup(model)
        if found is not None:
            return found
        if model not in self._warned:  # said once per model, not for every answer priced
            self._warned.add(model)
            log.warning("No price for model %r in %s; using the highest listed rates", model, self.path)
        return self._highest(model)

    def cost(self, model: str, input_tokens: int, output_tokens: int) -> float:
        """USD for a call with this usage."""
        return self.price(model).cost(input_tokens, output_tokens)

    def estimate(self, model: str, input_text: str, *, expected_output: int, max_output: int) -> Estimate:
        """Price a call before sending it: ``input_text`` is everything the request carries."""
        price = self.price(model)
        messages_overhead = MESSAGE_OVERHEAD_TOKENS if input_text else 0
        input_tokens = estimate_tokens(input_text, price.token_factor) + messages_overhead
        expected = min(expected_output, max_output)
        return Estimate(
            input_tokens=input_tokens,
            output_tokens=expected,
            cost_usd=price.cost(input_tokens, expected),
            max_cost_usd=price.cost(input_tokens, max_output),
            price_known=price.known,
        )

    def _lookup(self, model: str) -> ModelPrice | None:
        return self.models.get(model) or self.models.get(_DATE_SUFFIX.sub("", model))

    def _highest(self, model: str) -> ModelPrice:
        prices = list(self.models.values())
        rates_in = [p.input_per_mtok for p in prices] + [p.long_input_per_mtok or 0.0 for p in prices]
        rates_out = [p.output_per_mtok for p in prices] + [p.long_output_per_mtok or 0.0 for p in prices]
        factor = max(p.token_factor for p in prices)
        return ModelPrice(model, max(rates_in), max(rates_out), token_factor=factor, known=False)


def _parse_model(name: str, entry: Any, where: str) -> ModelPrice:
    if not isinstance(entry, Mapping):
        raise PriceTableInvalid(f"{where}: [models.{name}] must be a table")
    threshold = entry.get("long_context_threshold")
    if threshold is not None and (not isinstance(threshold, int) or threshold <= 0):
        raise PriceTableInvalid(f"{where}: models.{name}.long_context_threshold must be a positive integer")
    return ModelPrice(
        model=name,
        input_per_mtok=_rate(entry, "input", name, where, required=True) or 0.0,
        output_per_mtok=_rate(entry, "output", name, where, required=True) or 0.0,
        long_context_threshold=threshold,
        long_input_per_mtok=_rate(entry, "long_input", name, where),
        long_output_per_mtok=_rate(entry, "long_output", name, where),
        token_factor=_rate(entry, "token_factor", name, where) or 1.0,
    )


def _rate(
    entry: Mapping[str, Any], key: str, name: str, where: str, *, required: bool = False
) -> float | None:
    value = entry.get(key)
    if value is None:
        if required:
            raise PriceTableInvalid(f"{where}: models.{name}.{key} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise PriceTableInvalid(f"{where}: models.{name}.{key} must be a non-negative number, not {value!r}")
    return float(value)
