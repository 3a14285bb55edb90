"""The `medora` command group: its help lists every command without loading them (issue #17)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import click
import pytest
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


# -- the commands on the index, on both backends -------------------------------------------

HER2_TERMS = "trastuzumab pertuzumab HER2-positive metastatic breast cancer"


def medora(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env, prog_name="medora")


@pytest.mark.both_backends
def test_stats_and_search_read_the_configured_backend(built_index):
    """`--data-dir` alone picks the backend: the PostgreSQL data directory holds only a medora.toml."""
    from medora.retrieve import hit_row, retrieve

    settings, index = built_index
    where = str(settings.data_dir)
    stats = medora("stats", "--data-dir", where)
    assert stats.exit_code == 0, stats.output
    assert json.loads(stats.output) == index.stats()
    assert json.loads(stats.output)["backend"] == settings.index.backend
    found = medora("search", HER2_TERMS, "-k", "5", "--json", "--data-dir", where)
    assert found.exit_code == 0, found.output
    assert json.loads(found.output) == [hit_row(h) for h in retrieve(HER2_TERMS, index, settings.retrieve, k=5).hits]


def test_index_loads_the_primary_and_every_read_goes_to_the_replica(corpus_slice, pg_server, tmp_path):
    """`medora index --backend postgres` writes to MEDORA_INDEX__POSTGRES_URL only; with
    MEDORA_INDEX__POSTGRES_REPLICA_URL set, `medora stats` and `medora search` read the replica alone.

    Both URLs name databases of one test server, so a write that has not reached the "replica"
    shows; streaming replication itself is tested in test_postgres_backend.py.
    """
    import psycopg

    from medora.index.embedded import EmbeddedIndex
    from medora.index.postgres_load import load_from_embedded
    from medora.settings import get_settings

    primary, replica = pg_server.create_database("cli_primary"), pg_server.create_database("cli_replica")
    env = {"MEDORA_INDEX__POSTGRES_URL": primary, "MEDORA_INDEX__POSTGRES_REPLICA_URL": replica}
    guideline = corpus_slice / "guidelines-ngc" / "ngc-10495.xml"
    data_dir = str(tmp_path / "data")
    built = medora("index", "--corpus", str(guideline), "--no-dense", "--backend", "postgres", "--quiet",
                   "--data-dir", data_dir, env=env)
    assert built.exit_code == 0, built.output
    assert built.output.startswith("Indexed 1 documents: 1 added")

    def documents(url: str):
        with psycopg.connect(url) as conn:
            if conn.execute("SELECT to_regclass('documents')").fetchone()[0] is None:
                return None
            return conn.execute("SELECT id FROM documents").fetchall()

    assert (documents(primary), documents(replica)) == ([("ngc-10495",)], None)
    env["MEDORA_INDEX__BACKEND"] = "postgres"
    stats = medora("stats", "--data-dir", data_dir, env=env)
    assert stats.exit_code == 1
    assert stats.output.startswith(
        f"Error: No Medora index in PostgreSQL at postgresql://postgres@127.0.0.1:{pg_server.port}/cli_replica — ")

    settings = get_settings(data_dir, env={})
    embedded = EmbeddedIndex(settings)
    try:
        load_from_embedded(embedded, replica)  # what replication would bring
    finally:
        embedded.close()
    stats = medora("stats", "--data-dir", data_dir, env=env)
    assert stats.exit_code == 0, stats.output
    assert {k: json.loads(stats.output)[k] for k in ("backend", "url", "documents")} == {
        "backend": "postgres", "url": f"postgresql://postgres@127.0.0.1:{pg_server.port}/cli_replica", "documents": 1}
    found = medora("search", HER2_TERMS, "--mode", "lexical", "--json", "--data-dir", data_dir, env=env)
    assert found.exit_code == 0, found.output
    assert {row["doc_id"] for row in json.loads(found.output)} == {"ngc-10495"}
    # Reading never touches the primary: with its URL pointing nowhere, the same search is answered.
    primary_down = {**env, "MEDORA_INDEX__POSTGRES_URL": "postgresql://postgres@127.0.0.1:1/nowhere"}
    assert medora("search", HER2_TERMS, "--mode", "lexical", "--json", "--data-dir", data_dir,
                  env=primary_down).output == found.output

    # A re-run with nothing changed leaves a primary that holds the index alone; one that lost it is loaded again.
    with psycopg.connect(primary, autocommit=True) as conn:
        conn.execute("DELETE FROM info WHERE key = 'corpus_version'")
    again = medora("index", "--corpus", str(guideline), "--no-dense", "--quiet", "--data-dir", data_dir, env=env)
    assert again.exit_code == 0, again.output
    assert again.output.startswith("Indexed 1 documents: 0 added, 0 updated, 1 unchanged")
    with psycopg.connect(primary) as conn:
        assert conn.execute("SELECT count(*) FROM info WHERE key = 'corpus_version'").fetchone() == (1,)


def test_index_names_an_unreachable_server(corpus_slice, tmp_path):
    guideline = corpus_slice / "guidelines-ngc" / "ngc-10495.xml"
    result = medora("index", "--corpus", str(guideline), "--no-dense", "--backend", "postgres", "--quiet",
                    "--data-dir", str(tmp_path), env={"MEDORA_INDEX__POSTGRES_URL": "postgresql://medora@127.0.0.1:1/x"})
    assert result.exit_code == 1
    assert result.output.startswith("Error: Cannot connect to PostgreSQL at postgresql://medora@127.0.0.1:1/x — is "
                                    "the server running?")
