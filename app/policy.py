"""The effective policy: built-in defaults < user file < admin file, every admin key locked.

The admin file is the system location for the OS (``paths.admin_policy_path``: /etc/inhouse,
/Library/Application Support/Inhouse, the ProgramData known folder), which a user cannot move.
``INHOUSE_ADMIN_POLICY`` (for tests and trials) names a third layer that can only TIGHTEN: for each key
it sets, the stricter of its value and the value otherwise in force (``policy_schema.tighter``), locked.
A link to a missing file, a FIFO, a folder that cannot be read: each is a problem reported, with the
keys such a file could set at their safest values, never "no admin file".

An invalid file never widens what may leave the device: each key it sets badly (and, for a file that
cannot be read at all, every key it could set) takes its *safest* value from ``app.policy_schema``,
and each problem is reported in ``EffectivePolicy.problems`` naming the file, the key and the fault.
Keys set in the admin file (validly or not) are locked: the user file cannot change them.

Reading one file into a ``Layer`` is ``app.policy_files``; this module layers them into the typed view
(``Policy``) and writes the user file.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, cast

import tomlkit

from app import paths
from app.policy_files import Layer, LayerName, check_file, file_state, read_document, read_layer
from app.policy_schema import KEYS, SPECS, KeySpec, tighter
from inference.errors import InhouseError

__all__ = [  # reading the files lives in app.policy_files; Layer, check_file, file_state, read_layer stay here too
    "AuditPayload", "EffectivePolicy", "EscalationPolicy", "Layer", "LayerName", "LearningPolicy", "Mode",
    "OrgConsent", "OrgPolicy", "Policy", "PolicyError", "PolicyLocked", "PrivacyPolicy", "Setting", "Source",
    "Thresholds", "Uncalibrated", "WhenDown", "check_file", "default_policy", "file_state", "load_policy",
    "read_layer", "remove_user_setting", "resolve", "safest_policy", "save_user_setting",
]  # fmt: skip

Mode = Literal["never", "ask", "auto"]
OrgConsent = Literal["ask", "none"]
WhenDown = Literal["queue", "next"]
AuditPayload = Literal["full", "hash"]
Uncalibrated = Literal["ask", "keep", "accept"]
Source = Literal["default", "user", "admin", "safest"]

log = logging.getLogger("inhouse.policy")


class PolicyError(InhouseError):
    """A policy value or file the user tried to use is not valid."""

    hint = "Run `inhouse policy show` to see the effective policy, or see docs/policy.md for every key."


class PolicyLocked(PolicyError):
    hint = "Your administrator manages this setting; ask them to change it in the admin policy file."


@dataclass(frozen=True)
class EscalationPolicy:
    mode: Mode
    provider: str
    model: str
    allowed_models: tuple[str, ...]
    redact: bool
    monthly_budget_usd: float
    max_output_tokens: int


@dataclass(frozen=True)
class Thresholds:
    """Escalate below these confidences."""

    classify: float
    extract: float
    summarize: float
    uncalibrated: Uncalibrated = "ask"  # what an uncalibrated confidence means (app.router)

    def for_task(self, task: str) -> float:
        if task not in ("classify", "extract", "summarize"):
            raise ValueError(f"no threshold for task {task!r}")
        value: float = getattr(self, task)
        return value


@dataclass(frozen=True)
class OrgPolicy:
    """The organisation's server: the tier between the device and the cloud (``endpoint`` "" = none)."""

    endpoint: str
    name: str
    provider: str
    model: str
    allowed_models: tuple[str, ...]
    consent: OrgConsent
    redact: bool
    thresholds: Thresholds
    when_down: WhenDown
    schema_format: str
    ca_bundle: str
    timeout_s: float
    max_output_tokens: int
    max_in_flight: int

    @property
    def enabled(self) -> bool:
        return bool(self.endpoint and self.provider and self.model)


@dataclass(frozen=True)
class PrivacyPolicy:
    store_history: bool
    retention_days: int
    audit_payload: AuditPayload


@dataclass(frozen=True)
class LearningPolicy:
    keep_frontier_answers: bool


@dataclass(frozen=True)
class Policy:
    escalation: EscalationPolicy
    thresholds: Thresholds
    privacy: PrivacyPolicy
    learning: LearningPolicy
    org: OrgPolicy


@dataclass(frozen=True)
class Setting:
    """One effective value: where it came from, whether the admin locked it, and any remark."""

    key: str
    value: object
    source: Source
    locked: bool
    note: str = ""


@dataclass(frozen=True)
class EffectivePolicy:
    policy: Policy
    settings: dict[str, Setting]
    problems: tuple[str, ...]
    user_path: Path | None = None
    admin_path: Path | None = None
    override_path: Path | None = None  # INHOUSE_ADMIN_POLICY, when set (tightens only)

    def is_locked(self, key: str) -> bool:
        return self.settings[key].locked

    @property
    def prune_paused(self) -> str:
        """Why history is not pruned now ("" when it is): a broken policy file must never delete history.

        While any file has a problem, a retention the admin file does not set validly may be a fallback
        (or a default shorter than the user meant), so nothing is pruned until the problems are fixed."""
        if not self.problems or self.settings["privacy.retention_days"].source == "admin":
            return ""
        return ("history is not pruned while the policy has problems (a broken file never deletes history); "
                "fix them and pruning resumes")


def _build(values: Mapping[str, object]) -> Policy:
    v = values
    return Policy(
        escalation=EscalationPolicy(
            mode=cast(Mode, v["escalation.mode"]),
            provider=cast(str, v["escalation.provider"]),
            model=cast(str, v["escalation.model"]),
            allowed_models=tuple(cast(tuple[str, ...], v["escalation.allowed_models"])),
            redact=cast(bool, v["escalation.redact"]),
            monthly_budget_usd=cast(float, v["escalation.monthly_budget_usd"]),
            max_output_tokens=cast(int, v["escalation.max_output_tokens"]),
        ),
        thresholds=_thresholds(v, "thresholds.{}", cast(Uncalibrated, v["thresholds.uncalibrated"])),
        privacy=PrivacyPolicy(
            store_history=cast(bool, v["privacy.store_history"]),
            retention_days=cast(int, v["privacy.retention_days"]),
            audit_payload=cast(AuditPayload, v["privacy.audit_payload"]),
        ),
        learning=LearningPolicy(keep_frontier_answers=cast(bool, v["learning.keep_frontier_answers"])),
        org=_build_org(v),
    )


def _build_org(v: Mapping[str, object]) -> OrgPolicy:
    return OrgPolicy(
        endpoint=cast(str, v["org.endpoint"]),
        name=cast(str, v["org.name"]),
        provider=cast(str, v["org.provider"]),
        model=cast(str, v["org.model"]),
        allowed_models=tuple(cast(tuple[str, ...], v["org.allowed_models"])),
        consent=cast(OrgConsent, v["org.consent"]),
        redact=cast(bool, v["org.redact"]),
        thresholds=_thresholds(v, "org.{}_threshold"),
        when_down=cast(WhenDown, v["org.when_down"]),
        schema_format=cast(str, v["org.schema_format"]),
        ca_bundle=cast(str, v["org.ca_bundle"]),
        timeout_s=cast(float, v["org.timeout_s"]),
        max_output_tokens=cast(int, v["org.max_output_tokens"]),
        max_in_flight=cast(int, v["org.max_in_flight"]),
    )


def _thresholds(v: Mapping[str, object], key: str, uncalibrated: Uncalibrated = "ask") -> Thresholds:
    """The three task thresholds, read from the keys ``key`` names (``{}`` = the task)."""
    classify, extract, summarize = (cast(float, v[key.format(task)]) for task in ("classify", "extract", "summarize"))
    return Thresholds(classify, extract, summarize, uncalibrated)


def safest_policy() -> Policy:
    """Nothing leaves the device and nothing is kept longer than needed."""
    return _build({spec.key: spec.safest for spec in KEYS})


def default_policy() -> Policy:
    """The built-in defaults (what applies with no policy files)."""
    return _build({spec.key: spec.default for spec in KEYS})


# --- layering ----------------------------------------------------------------------------------


def _setting(spec: KeySpec, user: Layer, admin: Layer) -> Setting:
    key = spec.key
    ignored = "Your file's value is ignored: locked by the administrator." if key in user.touched else ""
    if key in admin.values:
        return Setting(key, admin.values[key], "admin", True, ignored)
    if key in admin.safest_keys:
        note = f"The admin file's value is invalid: locked at the safest value. {ignored}".strip()
        return Setting(key, spec.safest, "safest", True, note)
    if key in user.values:
        return Setting(key, user.values[key], "user", False)
    if key in user.safest_keys:
        note = "Your file's value is invalid: using the safest value."
        return Setting(key, spec.safest, "safest", False, note)
    return Setting(key, spec.default, "default", False)


def _with_note(setting: Setting, note: str, **changes: object) -> Setting:
    return replace(setting, note=f"{setting.note} {note}".strip(), **changes)  # type: ignore[arg-type]


def _apply_org_rules(settings: dict[str, Setting]) -> None:
    consent = settings["org.consent"]
    if consent.value == "none" and consent.source != "admin":
        note = '"none" (no consent) takes effect only when the admin file sets it: acting as "ask".'
        settings[consent.key] = _with_note(consent, note, value="ask")
    endpoint = settings["org.endpoint"]
    missing = [k for k in ("org.provider", "org.model") if not settings[k].value]
    if endpoint.value and missing:
        verb = "have" if len(missing) > 1 else "has"
        settings[endpoint.key] = _with_note(endpoint, f"{' and '.join(missing)} {verb} no usable value: "
                                                      "the org tier is off.")
    model = settings["org.model"]
    if model.value and model.value not in cast(tuple[str, ...], settings["org.allowed_models"].value):
        settings[model.key] = _with_note(model, "Not in org.allowed_models: requests to it will be denied.")


def _apply_cross_rules(settings: dict[str, Setting]) -> None:
    _apply_org_rules(settings)
    mode = settings["escalation.mode"]
    if mode.value == "auto" and mode.source != "admin":
        note = '"auto" takes effect only when the admin file sets it: acting as "ask".'
        settings[mode.key] = _with_note(mode, note, value="ask")
    missing = [k for k in ("escalation.provider", "escalation.model") if not settings[k].value]
    mode = settings["escalation.mode"]
    if missing and mode.value != "never":
        verb = "have" if len(missing) > 1 else "has"
        note = f"{' and '.join(missing)} {verb} no usable value: escalation is off."
        settings[mode.key] = _with_note(mode, note, value="never", source="safest")
    model = settings["escalation.model"]
    if model.value and model.value not in cast(tuple[str, ...], settings["escalation.allowed_models"].value):
        note = "Not in escalation.allowed_models: escalations to it will be denied."
        settings[model.key] = _with_note(model, note)


def _tighten(settings: dict[str, Setting], override: Layer) -> None:
    """Apply the INHOUSE_ADMIN_POLICY layer: per key, the stricter value, locked. Never loosens."""
    for key in override.touched:
        spec, current = SPECS[key], settings[key]
        wanted = override.values.get(key, spec.safest)
        value = tighter(spec, current.value, wanted)
        if value == current.value and current.locked:
            continue
        note = "" if value == wanted else "INHOUSE_ADMIN_POLICY can only tighten: the stricter value is kept."
        source: Source = "safest" if key not in override.values else ("admin" if value == wanted else current.source)
        settings[key] = Setting(key, value, source, True, note)


def resolve(user: Layer, admin: Layer, override: Layer | None = None) -> EffectivePolicy:
    """Combine the layers over the built-in defaults (``override`` tightens, see the module docstring)."""
    settings = {spec.key: _setting(spec, user, admin) for spec in KEYS}
    if override is not None:
        _tighten(settings, override)
    _apply_cross_rules(settings)
    policy = _build({key: s.value for key, s in settings.items()})
    problems = admin.problems + (override.problems if override else ()) + user.problems
    return EffectivePolicy(policy, settings, problems, user.path, admin.path, override.path if override else None)


def load_policy(user_path: Path | None = None, admin_path: Path | None = None) -> EffectivePolicy:
    """The effective policy from the user and admin files (defaults: this user's and this OS's), tightened
    by ``INHOUSE_ADMIN_POLICY`` when it is set."""
    user = read_layer("user", user_path or paths.current().user_policy)
    admin = read_layer("admin", admin_path or paths.admin_policy_path())
    override_path = paths.admin_override_path()
    override = read_layer("admin override", override_path) if override_path else None
    effective = resolve(user, admin, override)
    for problem in effective.problems:
        log.info("%s", problem)  # surfaced by `inhouse policy show`, `inhouse doctor` and the Settings page
    return effective


# --- writing the user file (Settings page, `inhouse policy set`) --------------------------------


def _spec(key: str) -> KeySpec:
    spec = SPECS.get(key)
    if spec is None:
        raise PolicyError(f"Unknown policy key {key!r}.", f"Known keys: {', '.join(SPECS)}.")
    return spec


def _user_document(path: Path) -> dict[str, object]:
    doc, why = read_document(path)
    if why:
        raise PolicyError(
            f"Cannot update {path}: it {why}.",
            f"Fix it (`inhouse policy check {path}` lists the errors) or delete it, then try again.",
        )
    return doc or {}


def _editable(path: Path) -> tomlkit.TOMLDocument:
    """The user file as an editable document that keeps its comments, order and unknown sections (validated
    by ``_user_document`` first: a file that cannot be read is refused, never overwritten)."""
    _user_document(path)
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        doc = tomlkit.document()
        doc.add(tomlkit.comment("Inhouse user policy, written by Inhouse. Keys and values: docs/policy.md"))
        doc.add(tomlkit.nl())
        return doc


def _write_document(path: Path, doc: tomlkit.TOMLDocument) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".policy-", suffix=".toml.tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(tomlkit.dumps(doc).encode("utf-8"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_user_setting(
    key: str, value: object, user_path: Path | None = None, admin_path: Path | None = None
) -> None:
    """Validate ``value`` and write it to the user file; refuses locked keys and a user "auto"."""
    spec = _spec(key)
    try:
        clean = spec.check(value)
    except ValueError as exc:
        raise PolicyError(f"{key} {exc}.") from None
    if key == "escalation.mode" and clean == "auto":
        raise PolicyLocked('Escalation mode "auto" can only be set by an administrator.',
                           'Choose "ask" to be asked each time, or "never".')
    if key == "org.consent" and clean == "none":
        raise PolicyLocked('Sending to the organisation\'s server without consent can only be set by an administrator.',
                           'Choose "ask" to be asked each time.')
    effective = load_policy(user_path, admin_path)
    if effective.is_locked(key):
        where = effective.admin_path
        raise PolicyLocked(f"{key} is set by your administrator in {where}; it cannot be changed here.")
    path = effective.user_path or paths.current().user_policy
    doc = _editable(path)
    section = doc.get(spec.section)
    if not isinstance(section, dict):
        section = tomlkit.table()
        doc[spec.section] = section
    section[spec.name] = list(clean) if isinstance(clean, tuple) else clean
    _write_document(path, doc)


def remove_user_setting(key: str, user_path: Path | None = None) -> bool:
    """Drop ``key`` from the user file (back to the default); True when it was there."""
    spec = _spec(key)
    path = user_path or paths.current().user_policy
    doc = _editable(path)
    section = doc.get(spec.section)
    if not isinstance(section, dict) or spec.name not in section:
        return False
    del section[spec.name]
    if not section:
        del doc[spec.section]
    _write_document(path, doc)
    return True
