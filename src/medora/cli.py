"""The `medora` command: thin wrappers that parse, call one stage function, print."""

from __future__ import annotations

import importlib
import json
import logging
import sys
from pathlib import Path

import click

from . import __version__
from .errors import MedoraError
from .settings import Settings, get_settings


class MedoraGroup(click.Group):
    """Turns every ``MedoraError`` into a one-line message and exit code 1 (no traceback).

    Commands defined in other modules are named in ``lazy`` (name: ("module:attribute", short
    help)) and imported only when run: ``medora ask`` does not load the editorial database layer,
    and ``medora --help`` lists them from their short help without importing them (issue #17;
    ``tests/test_cli.py`` checks that text against each command's docstring).
    """

    def __init__(self, *args, lazy: dict[str, tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            module, attribute = self.lazy[name][0].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Click's command list, with the lazy commands' static short help instead of importing them."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            if name in self.lazy and name not in self.commands:
                rows.append((name, click.Command(name, help=self.lazy[name][1]).get_short_help_str(limit)))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MedoraError as e:
            raise click.ClickException(str(e)) from e


data_dir_option = click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Data directory (default: $MEDORA_DATA or ./.medora).",
)


def _settings(data_dir: Path | None, **overrides) -> Settings:
    return get_settings(data_dir, **overrides)


@click.group(cls=MedoraGroup, lazy={
    "eval": ("medora.evaluate_report:eval_command",
             "Run evaluation SUITES (default: all) and write JSON, Markdown and PNG results."),
    "users": ("medora.cli_articles:users",  # editorial accounts and workflow
              "Editorial accounts: admins, editors and reviewers (Medical Advisory Board)."),
    "review": ("medora.cli_articles:review",
               "The editorial review queue: list, assign, approve, request changes, reject."),
})
@click.version_option(__version__, prog_name="medora")
def cli() -> None:
    """Medora: evidence-based clinical answers in which every statement cites its source."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


@cli.command()
@data_dir_option
@click.option("--corpus", "corpus_paths", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Corpus file or folder (repeatable). Default: $MEDORA_CORPUS, else ../shared/corpus and ../shared/eval/pubmedqa.")
@click.option("--dense/--no-dense", default=None, help="Compute dense vectors (default: on).")
@click.option("--dense-budget", type=float, default=None,
              help="Stop embedding after this many seconds; the next run resumes (0: no limit).")
@click.option("--prune", is_flag=True, help="Remove documents that are no longer in the corpus paths.")
@click.option("--backend", type=click.Choice(["embedded", "postgres"]), default=None,
              help="Also load the index into PostgreSQL (needs MEDORA_INDEX__POSTGRES_URL).")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def index(data_dir, corpus_paths, dense, dense_budget, prune, backend, quiet) -> None:
    """Read the corpus and build or update the index (incremental, resumable).

    \b
    Example:
        medora index
        medora index --corpus ../shared/corpus/guidelines-ngc --dense-budget 300
    """
    from tqdm import tqdm

    from .index.build import build_index

    overrides: dict = {"corpus": {"paths": [str(p) for p in corpus_paths]}} if corpus_paths else {}
    if backend:
        overrides["index"] = {"backend": backend}
    settings = _settings(data_dir, **overrides)

    def progress(total, desc):
        return tqdm(total=total, desc=desc, unit="file" if desc == "reading corpus" else "passage", disable=quiet,
                    file=sys.stderr, dynamic_ncols=True)

    report = build_index(settings, prune=prune, dense=dense, dense_budget_seconds=dense_budget, progress=progress)
    click.echo(
        f"Indexed {report.documents} documents: {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.removed} removed; {report.passages_written} passages written "
        f"in {report.seconds_lexical:.1f} s."
    )
    if report.formats:
        click.echo(_format_summary(report.formats))
    if report.vectors_added or report.vectors_missing:
        click.echo(f"Embedded {report.vectors_added} passages in {report.seconds_dense:.1f} s; "
                   f"{report.vectors_missing} still without vectors"
                   + (" (run `medora index` again to continue)." if report.vectors_missing else "."))
    if report.problems:
        click.echo(f"{len(report.problems)} problem(s); these inputs were skipped:", err=True)
        for p in report.problems:
            where = f"{p.path}:{p.line}" if p.line else p.path
            click.echo(f"  {where}: {p.reason}", err=True)


def _format_summary(formats: dict) -> str:
    """The per-format table `medora index` ends with: files, documents, passages written, problems."""
    rows = [("format", "files", "documents", "passages", "problems")]
    rows += [(name, str(c.files), str(c.documents), str(c.passages), str(c.problems)) for name, c in formats.items()]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "\n".join("  " + "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w)
                                      in enumerate(zip(row, widths))) for row in rows)


@cli.command()
@click.argument("query")
@click.option("-k", "k", type=click.IntRange(1, 200), default=None, help="Number of passages (default 10).")
@click.option("--mode", type=click.Choice(["hybrid", "lexical", "dense"]), default=None, help="Retriever.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.option("--explain", is_flag=True, help="Show each retriever's score and the expanded query.")
@data_dir_option
def search(query, k, mode, as_json, explain, data_dir) -> None:
    """Rank corpus passages for QUERY.

    \b
    Example:
        medora search "treatment of HER2-positive advanced breast cancer" -k 5
        medora search "HbA1c <7% older adults" --json
    """
    from .index import open_index
    from .retrieve import hit_row, retrieve

    settings = _settings(data_dir)
    index = open_index(settings)
    result = retrieve(query, index, settings.retrieve, k=k, mode=mode)
    rows = [hit_row(h) for h in result.hits]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if explain:
        click.echo(f"lexical query: {result.query.lexical_query()}")
        click.echo(f"question type: {result.query.question_type}")
    for row in rows:
        click.echo(f"{row['rank']:>2}. [{row['type']}, {row['year'] or 'n.d.'}] {row['title']}")
        click.echo(f"    {row['section']}  ({row['passage_id']}, score {row['score']:.3f})")
        if explain:
            click.echo(f"    bm25={row['bm25']} dense={row['dense']} fused={row['fused']:.4f}")
        click.echo("    " + _clip(row["text"], 300))


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


audience_option = click.option(
    "--audience", type=click.Choice(["physician", "nurse_np_pa", "pharmacist", "student", "patient_caregiver"]),
    default="physician", show_default=True, help="Who reads the answer.",
)
thread_option = click.option("--thread", "thread_id", default=None, help="Continue this follow-up thread (its id).")


@cli.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as one JSON object.")
@click.option("--markdown", "as_markdown", is_flag=True, help="Print the answer as Markdown.")
@audience_option
@thread_option
@data_dir_option
def ask(question, as_json, as_markdown, audience, thread_id, data_dir) -> None:
    """Answer QUESTION with cited statements from the corpus.

    Every answer belongs to a thread; pass its id with --thread to ask a follow-up.

    \b
    Example:
        medora ask "What is the recommended treatment approach for HER2-positive breast cancer?"
        medora ask "Who should be screened for abdominal aortic aneurysm?" --json
        medora ask "What if she has brain metastases?" --thread 3f2a9c0d1e4b5a6c
        medora ask "How is high blood pressure treated?" --audience patient_caregiver
    """
    from .answer import to_json
    from .index import open_index
    from .threads import ThreadStore
    from .threads import ask as ask_in_thread

    settings = _settings(data_dir)
    store = ThreadStore.open(settings)
    try:
        answer = to_json(ask_in_thread(question, open_index(settings), settings, store, audience=audience,
                                       thread_id=thread_id))
    finally:
        store.close()
    click.echo(json.dumps(answer, indent=2, ensure_ascii=False) if as_json else _render(answer, as_markdown))


def _render(answer: dict, as_markdown: bool = False) -> str:
    from .render import to_markdown, to_text

    return to_markdown(answer) if as_markdown else to_text(answer)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print each answer as one JSON line.")
@audience_option
@thread_option
@data_dir_option
def chat(as_json, audience, thread_id, data_dir) -> None:
    """Ask questions one per line on standard input; each follow-up continues the thread.

    An empty line is skipped; end with Ctrl-D (end of input).

    \b
    Example:
        medora chat
        printf 'HER2-positive breast cancer treatment?\nWhat if she has brain metastases?\n' | medora chat
    """
    from .answer import to_json
    from .index import open_index
    from .threads import ThreadStore
    from .threads import ask as ask_in_thread

    settings = _settings(data_dir)
    index, store = open_index(settings), ThreadStore.open(settings)
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            answer = to_json(ask_in_thread(line.strip(), index, settings, store, audience=audience,
                                           thread_id=thread_id))
            thread_id = answer["thread_id"]
            click.echo(json.dumps(answer, ensure_ascii=False) if as_json else _render(answer) + "\n")
    finally:
        store.close()


@cli.command()
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 8000).")
@data_dir_option
def serve(host, port, data_dir) -> None:
    """Serve the answer pages and the REST API (/api/v1; OpenAPI at /openapi.json).

    \b
    Example:
        medora serve --port 8000
    """
    from .web import run_server

    run_server(_settings(data_dir), host=host, port=port)


@cli.command()
@data_dir_option
def stats(data_dir) -> None:
    """Show what the index holds.

    \b
    Example:
        medora stats
    """
    from .index import open_index

    click.echo(json.dumps(open_index(_settings(data_dir)).stats(), indent=2))


@cli.group()
def config() -> None:
    """Inspect settings."""


@config.command("show")
@data_dir_option
def config_show(data_dir) -> None:
    """Print the resolved settings as JSON.

    \b
    Example:
        MEDORA_RETRIEVE__K=20 medora config show
    """
    click.echo(_settings(data_dir).model_dump_json(indent=2))


def main() -> None:  # pragma: no cover
    cli()
