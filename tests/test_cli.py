"""The `medora` command group: its help lists every command without loading them (issue #17)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import click
from click.testing import CliRunner

from medora.cli import cli

# A fresh interpreter prints `medora --help` as the `medora` script does (after importing the lazy
# commands when asked to), then what it imported.
HELP_PROGRAM = """
import json, sys
import click
from medora.cli import cli
if sys.argv[1:] == ["--load-all"]:
    for name in cli.lazy:
        cli.get_command(click.Context(cli), name)
try:
    cli(["--help"], prog_name="medora")
except SystemExit as e:
    assert not e.code, e.code
print(json.dumps(sorted(m for m in sys.modules if m == "medora" or m.startswith("medora."))))
"""


def cold_help(*args: str) -> tuple[str, list[str]]:
    result = subprocess.run([sys.executable, "-c", HELP_PROGRAM, *args], capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "COLUMNS": "80"})
    text, modules = result.stdout.rsplit("\n", 2)[:2]
    return text + "\n", json.loads(modules)


def test_help_lists_every_command_without_importing_them():
    text, modules = cold_help()
    listed = [line.split()[0] for line in text.split("Commands:\n")[1].splitlines() if line.strip()]
    assert listed == ["ask", "chat", "config", "eval", "index", "review", "search", "serve", "stats", "users"]
    assert modules == ["medora", "medora.cli", "medora.errors", "medora.settings"]  # no answer, no editorial layer


def test_help_of_lazy_commands_is_what_their_own_docstrings_say():
    assert cold_help()[0] == cold_help("--load-all")[0]  # as Click words it from each command's docstring
    ctx = click.Context(cli)
    assert {name: cli.get_command(ctx, name).help.split("\n")[0] for name in cli.lazy} == {
        name: short for name, (_, short) in cli.lazy.items()}


def test_a_lazy_command_still_has_its_own_help():
    result = CliRunner().invoke(cli, ["eval", "--help"], prog_name="medora")
    assert result.exit_code == 0
    assert result.output.startswith("Usage: medora eval [OPTIONS]")
    assert "Run evaluation SUITES (default: all) and write JSON, Markdown and PNG results." in result.output
