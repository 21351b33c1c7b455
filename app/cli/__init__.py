"""The ``inhouse`` command line.

Each command group lives in its own module with a ``register(subparsers)`` function that adds its
sub-parser and sets ``func`` (``args -> exit code``). Errors meant for the user (``InhouseError``)
become a clear message on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
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
    "app.cli.batch",
    "app.cli.evals",
    "app.cli.models",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inhouse",
        description="Classify, extract and summarize text with a local model; escalate only with your consent.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # command group not built yet
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    from app import egress

    egress.install()  # from here on, nothing connects off the machine without a permit
    try:
        code: int = args.func(args)
        return code
    except InhouseError as err:
        print(f"inhouse: {err.user_message()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("inhouse: cancelled", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `inhouse ... | head`: the reader left; not an error worth a traceback
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
