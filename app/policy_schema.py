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
from urllib.parse import urlsplit

from inference.providers import SCHEMA_FORMATS

Kind = Literal["str", "bool", "float", "int", "str-list"]

MODES = ("never", "ask", "auto")
PROVIDERS = ("anthropic",)  # the cloud providers inference.providers implements
ORG_PROVIDERS = ("openai-compatible",)  # the organisation-server providers inference.providers implements
ORG_CONSENTS = ("ask", "none")
WHEN_DOWN = ("queue", "next")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
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


def _optional_model_id(value: object) -> str:
    return "" if value == "" else _model_id(value)


def _model_list(value: object) -> object:
    if not isinstance(value, list | tuple):
        raise ValueError(f'must be a list of model IDs, e.g. ["claude-haiku-4-5"] (got {show(value)})')
    models = [_model_id(v) for v in value]
    return tuple(dict.fromkeys(models))  # de-duplicated, order kept


def _endpoint(value: object) -> object:
    """"" (no org tier) or the server's base URL: https, or http only on this machine (loopback)."""
    if value == "":
        return value
    if not isinstance(value, str):
        raise ValueError(f'must be the server\'s base URL, e.g. "https://llm.example.org/v1" (got {show(value)})')
    parts = urlsplit(value.strip())
    loopback = parts.hostname in LOOPBACK_HOSTS
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password:
        raise ValueError(f'must be an https:// base URL without credentials, e.g. "https://llm.example.org/v1" '
                         f"(got {show(value)})")
    if parts.scheme == "http" and not loopback:
        raise ValueError(f"must use https:// (plain http only for a server on this machine) (got {show(value)})")
    return value.strip().rstrip("/")


def _text(limit: int) -> Callable[[object], object]:
    def check(value: object) -> object:
        if not isinstance(value, str) or len(value) > limit or any(ord(c) < 32 for c in value):
            raise ValueError(f"must be text of at most {limit} characters on one line (got {show(value)})")
        return value.strip()

    return check


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
    KeySpec("org.endpoint", "str", "", "", _endpoint,
            'The organisation\'s server (base URL, e.g. "https://llm.acme.internal/v1"): the tier between this '
            'device and the cloud. "" means there is none. https only (http for a server on this machine).'),
    KeySpec("org.name", "str", "", "", _text(60),
            'The organisation\'s name as people see it: "On Acme\'s server".'),
    KeySpec("org.provider", "str", "openai-compatible", "", _choice(*ORG_PROVIDERS),
            "How the server is spoken to: any OpenAI-compatible server (vLLM, llama-server, Ollama, LocalAI). "
            "Safest: none, which turns the org tier off."),
    KeySpec("org.model", "str", "", "", _optional_model_id,
            "The model the server serves (its id in GET /v1/models). Safest: none (org tier off)."),
    KeySpec("org.allowed_models", "str-list", (), (), _model_list,
            "The only models the org tier may use. Safest: none."),
    KeySpec("org.consent", "str", "ask", "ask", _choice(*ORG_CONSENTS),
            '"ask": consent for each request, as for the cloud; "none": no consent needed, the server is '
            "inside the organisation (honoured only from the admin file).", rank=ORG_CONSENTS),
    KeySpec("org.redact", "bool", True, True, _boolean,
            "Pseudonymize personal data before it goes to the org server. Safest: true."),
    KeySpec("org.classify_threshold", "float", 0.70, 0.0, _number(0.0, 1.0),
            "Go on to the cloud when the org server's classification is below this confidence. "
            "Safest: 0 (keep the org answer)."),
    KeySpec("org.extract_threshold", "float", 0.80, 0.0, _number(0.0, 1.0),
            "Same, for extraction. Safest: 0."),
    KeySpec("org.summarize_threshold", "float", 0.60, 0.0, _number(0.0, 1.0),
            "Same, for summaries. Safest: 0."),
    KeySpec("org.when_down", "str", "queue", "queue", _choice(*WHEN_DOWN),
            'When the org server cannot be reached: "queue" the request for it, or try the "next" tier '
            '(the cloud, under its own rules). Safest: "queue".', rank=WHEN_DOWN),
    KeySpec("org.schema_format", "str", "json_schema", "json_schema", _choice(*SCHEMA_FORMATS),
            'How the server takes a JSON Schema for extraction: "json_schema" (vLLM, llama-server, Ollama), '
            '"json_object" (llama-cpp-python\'s server) or "none" (the prompt only).'),
    KeySpec("org.ca_bundle", "str", "", "", _text(4096),
            "A CA bundle (PEM file path) that signs the server's certificate; \"\" uses the system's. "
            "Certificates are always verified."),
    KeySpec("org.timeout_s", "float", 60.0, 60.0, _number(1.0, 600.0),
            "Seconds to wait for the org server's answer."),
    KeySpec("org.max_output_tokens", "int", 1024, 1024, _integer(1, MAX_OUTPUT_TOKENS),
            "Longest answer from the org server, in tokens."),
    KeySpec("org.max_in_flight", "int", 4, 1, _integer(1, 64),
            "Batch: requests sent to the org server at once. Safest: 1."),
    KeySpec("privacy.store_history", "bool", True, False, _boolean,
            "Keep a searchable history of requests and answers. Safest: false."),
    KeySpec("privacy.retention_days", "int", 90, 1, _integer(1, MAX_RETENTION_DAYS),
            "Days history is kept before it is deleted. Safest: 1."),
    KeySpec("privacy.audit_payload", "str", "full", "hash", _choice(*AUDIT_PAYLOADS),
            'What the audit log keeps of each escalation: "full" (the exact payload sent) or "hash" '
            "(a SHA-256 only). Safest: \"hash\".", rank=("hash", "full")),
    KeySpec("learning.keep_frontier_answers", "bool", False, False, _boolean,
            "Keep a consented frontier answer as a candidate training example. Safest: false."),
    KeySpec("review.export_labels", "bool", False, False, _boolean,
            "Name classifier and extraction profiles in `inhouse review --export-aggregate` (else they are "
            '"profile 1", "profile 2"...). No message text is ever exported. Safest: false.'),
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
    unknown_section: bool = False  # a user file's unknown section is ignored, an admin file's locks every key


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
            issues.append(Issue(where, f"unknown section (known: {known})", ALL_KEYS, unknown_section=True))
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
