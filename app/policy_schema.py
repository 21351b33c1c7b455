"""The policy keys: one declaration each (type, default, safest value), and their validation.

``KEYS`` is the single source of truth for what a policy file may contain. ``app.policy`` layers the
files; ``resources/policy.default.toml`` documents the same defaults (a test keeps the two in step).

"Safest" means: nothing leaves the device and nothing is kept longer than needed. An invalid value
never widens what may leave: it is replaced by the key's safest value, never by its default.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Kind = Literal["str", "bool", "float", "int", "str-list"]

MODES = ("never", "ask", "auto")
PROVIDERS = ("anthropic",)  # the cloud providers inference.providers implements
AUDIT_PAYLOADS = ("full", "hash")
UNCALIBRATED = ("ask", "keep", "accept")
MAX_OUTPUT_TOKENS = 65_536
MAX_RETENTION_DAYS = 3_650
_MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,199}$")


@dataclass(frozen=True)
class KeySpec:
    """One policy key: ``check`` returns the normalised value or raises ``ValueError`` saying why."""

    key: str
    kind: Kind
    default: object
    safest: object
    check: Callable[[object], object]
    doc: str
    rank: tuple[str, ...] = ()  # for choices: strictest first (see ``tighter``)

    @property
    def section(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.key.split(".", 1)[1]


def show(value: object) -> str:
    """A value as it would be written in TOML (for messages)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "a table"
    return str(value)


def _choice(*options: str) -> Callable[[object], object]:
    def check(value: object) -> object:
        if not isinstance(value, str) or value not in options:
            raise ValueError(f"must be one of {', '.join(show(o) for o in options)} (got {show(value)})")
        return value

    return check


def _model_id(value: object) -> str:
    if not isinstance(value, str) or not _MODEL_ID.match(value):
        raise ValueError(f"must be a model ID such as \"claude-haiku-4-5\" (got {show(value)})")
    return value


def _model_list(value: object) -> object:
    if not isinstance(value, list | tuple):
        raise ValueError(f'must be a list of model IDs, e.g. ["claude-haiku-4-5"] (got {show(value)})')
    models = [_model_id(v) for v in value]
    return tuple(dict.fromkeys(models))  # de-duplicated, order kept


def _boolean(value: object) -> object:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false (got {show(value)})")
    return value


def _number(low: float, high: float | None = None) -> Callable[[object], object]:
    bounds = f"at least {low:g}" if high is None else f"between {low:g} and {high:g}"

    def check(value: object) -> object:
        number = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan
        if not math.isfinite(number) or number < low or (high is not None and number > high):
            raise ValueError(f"must be a number {bounds} (got {show(value)})")
        return number

    return check


def _integer(low: int, high: int) -> Callable[[object], object]:
    def check(value: object) -> object:
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValueError(f"must be a whole number between {low} and {high} (got {show(value)})")
        return value

    return check


KEYS: tuple[KeySpec, ...] = (
    KeySpec("escalation.mode", "str", "ask", "never", _choice(*MODES),
            'When a low-confidence answer may go to the frontier model: "never", "ask" (consent each time) '
            'or "auto" (honoured only from the admin file).', rank=MODES),
    KeySpec("escalation.provider", "str", "anthropic", "", _choice(*PROVIDERS),
            "The frontier provider. Safest: none, which turns escalation off."),
    KeySpec("escalation.model", "str", "claude-haiku-4-5", "", _model_id,
            "The frontier model asked by default. Safest: none, which turns escalation off."),
    KeySpec("escalation.allowed_models", "str-list", ("claude-haiku-4-5",), (), _model_list,
            "The only models an escalation may use. Safest: none."),
    KeySpec("escalation.redact", "bool", True, True, _boolean,
            "Pseudonymize names, e-mails, numbers... before anything is sent."),
    KeySpec("escalation.monthly_budget_usd", "float", 10.0, 0.0, _number(0.0),
            "Spending cap per calendar month, in US dollars. Safest: 0."),
    KeySpec("escalation.max_output_tokens", "int", 1024, 1024, _integer(1, MAX_OUTPUT_TOKENS),
            "Longest frontier answer, in tokens. Safest: the default (it limits what comes back, "
            "not what leaves; the budget caps the cost)."),
    KeySpec("thresholds.classify", "float", 0.70, 0.0, _number(0.0, 1.0),
            "Escalate a classification below this confidence. Safest: 0 (never escalate)."),
    KeySpec("thresholds.extract", "float", 0.80, 0.0, _number(0.0, 1.0),
            "Escalate an extraction below this confidence. Safest: 0 (never escalate)."),
    KeySpec("thresholds.summarize", "float", 0.60, 0.0, _number(0.0, 1.0),
            "Escalate a summary below this confidence. Safest: 0 (never escalate)."),
    KeySpec("thresholds.uncalibrated", "str", "ask", "keep", _choice(*UNCALIBRATED),
            'What an uncalibrated confidence (a zero-shot label set with no evidence yet) means: "ask" (never '
            'kept as confident: escalation is offered as below the threshold), "keep" (never kept as confident, '
            'never escalated for it: the answer stays, marked uncalibrated) or "accept" (compared with the '
            'threshold like any other). Safest: "keep".', rank=("keep", "accept", "ask")),
    KeySpec("privacy.store_history", "bool", True, False, _boolean,
            "Keep a searchable history of requests and answers. Safest: false."),
    KeySpec("privacy.retention_days", "int", 90, 1, _integer(1, MAX_RETENTION_DAYS),
            "Days history is kept before it is deleted. Safest: 1."),
    KeySpec("privacy.audit_payload", "str", "full", "hash", _choice(*AUDIT_PAYLOADS),
            'What the audit log keeps of each escalation: "full" (the exact payload sent) or "hash" '
            "(a SHA-256 only). Safest: \"hash\".", rank=("hash", "full")),
    KeySpec("learning.keep_frontier_answers", "bool", False, False, _boolean,
            "Keep a consented frontier answer as a candidate training example. Safest: false."),
)

SPECS: dict[str, KeySpec] = {spec.key: spec for spec in KEYS}
SECTIONS: dict[str, tuple[str, ...]] = {}
for _spec in KEYS:
    SECTIONS.setdefault(_spec.section, ())
    SECTIONS[_spec.section] += (_spec.key,)
ALL_KEYS: frozenset[str] = frozenset(SPECS)


def tighter(spec: KeySpec, a: object, b: object) -> object:
    """The stricter of two valid values of ``spec`` (what may leave the device, what is kept): numbers
    the smaller, booleans the safest, ranked choices the earlier, lists their common part; two different
    unranked values (e.g. two model IDs) give the key's safest value."""
    if a == b:
        return a
    if spec.kind in ("float", "int") and isinstance(a, int | float) and isinstance(b, int | float):
        return min(a, b)
    if spec.kind == "str-list":
        other = set(b) if isinstance(b, list | tuple) else set()
        return tuple(v for v in a if v in other) if isinstance(a, list | tuple) else spec.safest
    if isinstance(a, str) and isinstance(b, str) and a in spec.rank and b in spec.rank:
        return min(a, b, key=spec.rank.index)
    return spec.safest  # booleans: the one that is safest; unranked strings: they disagree


def spec_for(key: str) -> KeySpec:
    """The spec of ``key``; ``KeyError`` with the known keys when there is none."""
    try:
        return SPECS[key]
    except KeyError:
        raise KeyError(f"unknown policy key {key!r} (known: {', '.join(SPECS)})") from None


def from_text(spec: KeySpec, text: str) -> object:
    """Parse a value typed on the command line for ``spec`` (validated separately by ``spec.check``)."""
    raw = text.strip()
    if spec.kind == "bool":
        words = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}
        return words.get(raw.lower(), raw)
    if spec.kind in ("float", "int"):
        try:
            number = float(raw)
        except ValueError:
            return raw
        return int(number) if spec.kind == "int" and number.is_integer() and "." not in raw else number
    if spec.kind == "str-list":
        inner = raw[1:-1] if raw.startswith("[") and raw.endswith("]") else raw
        return [part.strip().strip("\"'") for part in inner.split(",") if part.strip()]
    return raw.strip("\"'") if len(raw) > 1 and raw[0] == raw[-1] and raw[0] in "\"'" else raw


@dataclass(frozen=True)
class Issue:
    """One thing wrong in a policy document, and the keys that fall back to their safest value for it."""

    where: str  # "escalation.mode", "[escalation]", or "" for the whole file
    message: str
    keys: frozenset[str]


@dataclass(frozen=True)
class ParsedDocument:
    values: dict[str, object]  # keys the document sets validly, normalised
    issues: tuple[Issue, ...]

    @property
    def safest_keys(self) -> frozenset[str]:
        """Keys the document tried to set (or may have meant to set) without a valid value."""
        tried: frozenset[str] = frozenset().union(*(issue.keys for issue in self.issues))
        return tried - self.values.keys()


def parse_document(doc: dict[str, object]) -> ParsedDocument:
    """Validate a parsed TOML document against ``KEYS``, collecting every problem (never raising)."""
    values: dict[str, object] = {}
    issues: list[Issue] = []
    for section, body in doc.items():
        if section not in SECTIONS:
            where = f"[{section}]" if isinstance(body, dict) else section
            known = ", ".join(f"[{name}]" for name in SECTIONS)
            issues.append(Issue(where, f"unknown section (known: {known})", ALL_KEYS))
        elif not isinstance(body, dict):
            message = f"must be a table such as [{section}] (got {show(body)})"
            issues.append(Issue(f"[{section}]", message, frozenset(SECTIONS[section])))
        else:
            _parse_section(section, body, values, issues)
    return ParsedDocument(values, tuple(issues))


def _parse_section(
    section: str, body: dict[str, object], values: dict[str, object], issues: list[Issue]
) -> None:
    for name, value in body.items():
        key = f"{section}.{name}"
        spec = SPECS.get(key)
        if spec is None:
            known = ", ".join(SPECS[k].name for k in SECTIONS[section])
            message = f"unknown key (known in [{section}]: {known})"
            issues.append(Issue(key, message, frozenset(SECTIONS[section])))
            continue
        try:
            values[key] = spec.check(value)
        except ValueError as exc:
            issues.append(Issue(key, str(exc), frozenset({key})))
