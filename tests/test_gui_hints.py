"""The window never sends anyone to a terminal: every error's hint, as the app shows it, names a page or a
button, not an ``inhouse`` command, a command-line flag or an install command.

Walks every ``InhouseError`` subclass of ``app`` and ``inference`` (all their modules imported), each made
with its usual arguments, and every hint written where an error is raised (``hint=...`` or the second
argument), read from the source: a hint given at a raise site replaces the class's own.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import app
import inference
from app.errors import InhouseError
from app.eval_sets import EvalSetInvalid
from inference.providers.sdk_errors import ProviderHTTPError
from ui.explain import describe_error, error_text, gui_hint

ROOT = Path(__file__).resolve().parent.parent
# `inhouse ...`, "inhouse models ..." (the product is "Inhouse", capitalised, in prose), a --flag, an install
TERMINAL = re.compile(r"`inhouse|\binhouse [a-z]|(?<![\w-])--[a-z]|pip install|make install|INHOUSE_[A-Z]")
# errors that take more than a message: how the code makes them
USUAL: dict[type[InhouseError], Callable[[], InhouseError]] = {
    EvalSetInvalid: lambda: EvalSetInvalid(Path("set.json"), ["not valid JSON"]),
    ProviderHTTPError: lambda: ProviderHTTPError("The provider refused the request.", status=400),
}


def _import_everything() -> None:
    for package in (app, inference):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if not module.name.endswith("__main__"):  # app.__main__ runs the CLI
                importlib.import_module(module.name)


def _subclasses(kind: type[InhouseError]) -> Iterator[type[InhouseError]]:
    for sub in kind.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def error_classes() -> list[type[InhouseError]]:
    _import_everything()
    ours = {c for c in _subclasses(InhouseError) if c.__module__.split(".")[0] in ("app", "inference")}
    return sorted(ours, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def make(kind: type[InhouseError]) -> InhouseError:
    if kind in USUAL:
        return USUAL[kind]()
    try:
        return kind("What went wrong.")
    except TypeError as exc:  # a new error with its own arguments: say how it is made in USUAL
        raise AssertionError(f"{kind.__qualname__} needs its usual arguments in USUAL") from exc


def test_the_walk_finds_the_errors_of_every_layer() -> None:
    names = {c.__qualname__ for c in error_classes()}
    assert {"ModelMissing", "OutcomeUnknown", "ResendRefused", "RedirectRefused", "AggregateInvalid",
            "RedactionExamplesInvalid", "ExtractorMissing", "ExtractorNotTrained", "EgressBlocked",
            "DocumentIsImage", "ProviderHTTPError", "CatalogInvalid"} <= names
    assert len(names) >= 55


@pytest.mark.parametrize("kind", error_classes(), ids=lambda c: c.__qualname__)
def test_no_error_hint_in_the_window_names_a_command(kind: type[InhouseError]) -> None:
    error = make(kind)
    message, hint = describe_error(error)
    assert not TERMINAL.search(hint), f"{kind.__qualname__}: {hint!r}"
    assert error_text(error).startswith(message)


def test_the_check_sees_a_command() -> None:
    """The pattern catches what the CLI's hints say (so the walk above can fail)."""
    for text in ("Train it with `inhouse extractors train NAME`.", "Run inhouse doctor", "Choose another --output file",
                 "Install it with `make install`", "or point INHOUSE_MODEL at a .gguf file"):
        assert TERMINAL.search(text), text
    for text in ("Inhouse sends only to the host you agreed to.", "Choose another model in Settings — or not."):
        assert not TERMINAL.search(text), text


# -- hints written where an error is raised --------------------------------------------------------------------


def _literal(node: ast.expr) -> str | None:
    """A string argument's text (an f-string's fields as "X"), or None when it is not written out here."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "X" for v in node.values)
    return None


def raise_site_hints() -> list[tuple[str, type[InhouseError], str]]:
    """``(where, error class, hint)`` for every ``SomeError(..., hint="...")`` in ``app`` and ``inference``
    (the CLI's own modules excluded: what they raise is shown in a terminal, never in the window)."""
    classes: dict[str, type[InhouseError]] = {c.__name__: c for c in error_classes()}
    found = []
    for path in sorted([*(ROOT / "app").rglob("*.py"), *(ROOT / "inference").rglob("*.py")]):
        if "cli" in path.relative_to(ROOT).parts[1:2]:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else \
                node.func.attr if isinstance(node.func, ast.Attribute) else ""
            if name not in classes:
                continue
            given = [k.value for k in node.keywords if k.arg == "hint"] + node.args[1:2]
            for arg in given:
                text = _literal(arg)
                if text is not None:
                    found.append((f"{path.relative_to(ROOT)}:{node.lineno}", classes[name], text))
    return found


def _with_hint(kind: type[InhouseError], hint: str) -> InhouseError:
    error = make(kind)
    error.hint = hint
    return error


def test_hints_given_where_errors_are_raised_are_replaced_in_the_window() -> None:
    sites = raise_site_hints()
    assert len(sites) >= 20  # the scan reads the raise sites (ClassifierNotTrained's "Train it again: ...")
    assert any("inhouse classifiers train" in hint for _, _, hint in sites)
    shown = {where: gui_hint(_with_hint(kind, hint)) for where, kind, hint in sites}
    assert {where: text for where, text in shown.items() if TERMINAL.search(text)} == {}


def test_an_error_without_a_window_wording_keeps_its_own_hint() -> None:
    from app.errors import ContextOverflow, RedactionUnavailable

    for error in (ContextOverflow("Too long."), RedactionUnavailable("Word lists missing.")):
        assert gui_hint(error) == error.hint
