"""Argument parsing shared by the management commands that have subcommands."""

import argparse
from collections.abc import Callable
from typing import Any


def json_flag(actions: Any) -> Callable[..., argparse.ArgumentParser]:
    """`add_parser` for `actions` whose subcommands also accept `--json`.

    The docs write `organization list --json`; argparse would only take the flag before
    the subcommand (`organization --json list`). Both work with this. SUPPRESS keeps a
    subcommand that wasn't given the flag from resetting one given before it.
    """

    def add_parser(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        subparser = actions.add_parser(name, **kwargs)
        subparser.add_argument(
            "--json",
            action="store_true",
            default=argparse.SUPPRESS,
            help="Machine-readable output.",
        )
        return subparser

    return add_parser
