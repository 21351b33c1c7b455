"""The ``inhouse`` command line.

Each command group lives in its own module with a ``register(subparsers)`` function that adds its
sub-parser and sets ``func`` (``args -> exit code``). Errors meant for the user (``InhouseError``)
become a clear message on stderr and a non-zero exit, never a traceback.

Start-up time is part of every command: when the first argument names a command in ``COMMANDS``, only
that command's module is imported (``inhouse classify`` never loads the batch, eval or model-download
code); help, an unknown command or no command imports them all. tests/test_imports.py checks that
``COMMANDS`` names exactly what each module registers.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import sys
from collections.abc import Sequence

from inference.errors import InhouseError

COMMAND_MODULES = (
    "app.cli.tasks",
    "app.cli.doctor",
    "app.cli.policy",
    "app.cli.records",
    "app.cli.key",
    "app.cli.gui",
    "app.cli.classifiers",
    "app.cli.extractors",
    "app.cli.batch",
    "app.cli.evals",
    "app.cli.models",
    "app.cli.redact",
    "app.cli.review",
)

COMMANDS: dict[str, str] = {  # top-level command -> the module that registers it (the fast path)
    "classify": "app.cli.tasks",
    "extract": "app.cli.tasks",
    "summarize": "app.cli.tasks",
    "doctor": "app.cli.doctor",
    "policy": "app.cli.policy",
    "audit": "app.cli.records",
    "queue": "app.cli.records",
    "history": "app.cli.records",
    "key": "app.cli.key",
    "gui": "app.cli.gui",
    "classifiers": "app.cli.classifiers",
    "extractors": "app.cli.extractors",
    "batch": "app.cli.batch",
    "eval": "app.cli.evals",
    "models": "app.cli.models",
    "redact": "app.cli.redact",
    "review": "app.cli.review",
}


def modules_for(argv: Sequence[str]) -> tuple[str, ...]:
    """The command modules a parser for ``argv`` needs: the named command's alone, else all of them."""
    first = argv[0] if argv else ""
    module = COMMANDS.get(first)
    return (module,) if module is not None and module in COMMAND_MODULES else COMMAND_MODULES


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("inhouse")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "unknown"


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """Every command's parser; with ``argv``, only what that command line needs (see ``modules_for``)."""
    parser = argparse.ArgumentParser(
        prog="inhouse",
        description="Classify, extract and summarize text with a local model; escalate only with your consent.",
    )
    parser.add_argument("--version", action="version", version=f"inhouse {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES if argv is None else modules_for(argv):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # command group not built yet
                continue
            raise
        module.register(sub)
    return parser


def parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """``parser.parse_args(argv)``, with what argparse leaves over given to the command's own parser.

    argparse reports arguments it could not place from the top-level parser (the usage of ``inhouse``,
    not of the command), and places positionals only before the first flag, so ``inhouse classifiers
    classify NAME --json TEXT`` would be refused. Leftovers are parsed again by the command's own parser,
    positionals and flags intermixed; what is still wrong is its error, with its usage."""
    args, extras = parser.parse_known_args(argv)
    if not extras:
        return args
    leaf, chosen = parser, argparse.Namespace()
    start = 0
    while (action := _subcommands(leaf)) is not None and getattr(args, action.dest, None) in action.choices:
        name = getattr(args, action.dest)
        setattr(chosen, action.dest, name)
        leaf, start = action.choices[name], argv.index(name, start) + 1
    if leaf is parser:
        parser.error(f"unrecognized arguments: {' '.join(extras)}")
    return leaf.parse_intermixed_args(argv[start:], namespace=chosen)


def _subcommands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction[argparse.ArgumentParser] | None:
    return next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parse(parser, argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    if args.command != "gui" and not _stdout_open():  # `inhouse classify ... >&-`: refused before any work
        _say("inhouse: standard output is closed, so the answer could not be shown; nothing was run.")
        return 1
    from app import egress

    egress.install()  # from here on, nothing connects off the machine without a permit
    try:
        code: int = args.func(args)
        if sys.stdout is not None:
            sys.stdout.flush()  # a reader that left is found here, not at interpreter exit
        return code
    except InhouseError as err:
        print(f"inhouse: {err.user_message()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("inhouse: cancelled", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `inhouse ... | head -0`: the reader left before the answer was written
        _detach_stdout()
        return PIPE_CLOSED


PIPE_CLOSED = 141  # what a shell reports for a command ended by SIGPIPE (128 + 13): quiet, and not success


def _stdout_open() -> bool:
    if sys.stdout is None:  # Python found file descriptor 1 closed at start
        return False
    try:
        os.fstat(sys.stdout.fileno())
    except io.UnsupportedOperation:  # a stream without a descriptor (tests capture it): open
        return True
    except (OSError, ValueError):  # a descriptor that was closed, or a closed stream
        return False
    return True


def _say(message: str) -> None:
    if sys.stderr is not None:
        print(message, file=sys.stderr)


def _detach_stdout() -> None:
    """Point standard output at the null device, so that Python's own flush at exit cannot fail again
    (it would print "Exception ignored ... BrokenPipeError" and change the exit status)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass


if __name__ == "__main__":
    sys.exit(main())
