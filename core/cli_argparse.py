"""argparse in Chinese: help, usage and argument errors of ``python -m core …``.

argparse looks its own words up through its module's ``_`` and ``ngettext`` (gettext) at the
moment it uses them. ``ChineseArgumentParser`` puts the catalog's translations there while it
builds its help, parses and reports an error, and puts argparse's own back afterwards, so nothing
else in the process is affected. Each of argparse's words it prints has a text in
``data/messages/<lang>/cli.yaml`` (``cli.argparse.*``); tests/test_cli_chinese.py checks that
``--help`` and argument errors keep no English.
"""
from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager

from core.i18n import t

# argparse's message ids (Python 3.11–3.13) -> catalog keys
MESSAGES = {
    "usage: ": "usage",
    "positional arguments": "positionals",
    "options": "options",
    "show this help message and exit": "help",
    "%(prog)s: error: %(message)s\n": "error",
    "the following arguments are required: %s": "required",
    "argument %(argument_name)s: %(message)s": "argument",
    "invalid choice: %(value)r (choose from %(choices)s)": "invalid_choice",
    "unrecognized arguments: %s": "unrecognized",
    "expected one argument": "expected_one",
    "expected at least one argument": "expected_at_least_one",
    "expected at most one argument": "expected_at_most_one",
    "expected %s argument": "expected_n",
    "expected %s arguments": "expected_n",
    "invalid %(type)s value: %(value)r": "invalid_value",
    "ambiguous option: %(option)s could match %(matches)s": "ambiguous",
    "not allowed with argument %s": "not_allowed",
    "one of the arguments %s is required": "one_of",
    "ignored explicit argument %r": "ignored",
    "can't open '%(filename)s': %(error)s": "cant_open",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "unknown_parser",
}


def translate(message: str) -> str:
    key = MESSAGES.get(message)
    return t(f"cli.argparse.{key}") if key else message


@contextmanager
def chinese():
    """argparse's own words from the catalog, for the time of the block."""
    saved = argparse._, argparse.ngettext
    argparse._ = translate
    argparse.ngettext = lambda one, many, n: translate(one if n == 1 else many)
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


class ChineseArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose help, usage and errors are in Chinese (its subcommands too)."""

    def __init__(self, *args, **kwargs):
        with chinese():          # the titles of the argument groups and the -h help are made here
            super().__init__(*args, **kwargs)

    def parse_args(self, args=None, namespace=None):
        with chinese():          # "unrecognized arguments" is reported here, after parse_known_args
            return super().parse_args(args, namespace)

    def parse_known_args(self, args=None, namespace=None):
        with chinese():
            return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        with chinese():
            return super().format_usage()

    def format_help(self) -> str:
        with chinese():
            return super().format_help()

    def error(self, message: str):
        """Usage, then one sentence, on standard error; exit status 2 (as argparse)."""
        self.print_usage(sys.stderr)
        with chinese():
            text = argparse._("%(prog)s: error: %(message)s\n") % {"prog": self.prog, "message": message}
        self.exit(2, text)
