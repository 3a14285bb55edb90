"""`medora users ...` and `medora review ...`: accounts and the editorial workflow from the shell.

NOTE: these commands are an operator's local power. Whoever can run them can open the
database itself, so they ask for no password; ``--as USERNAME`` names the account that
acts (and is recorded in the audit trail), and its role is checked exactly as on the web
and in the API. Account commands (add, disable, reset-password ...) act as the operator,
recorded as "system".
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import click

from .articles import ACTIONS, MAX_ID, ROLES, STATUS_LABELS

data_dir_option = click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Data directory (default: $MEDORA_DATA or ./.medora).",
)
ARTICLE_ID = click.IntRange(1, MAX_ID)  # a larger id names nothing (and overflows the database)
as_option = click.option("--as", "actor", required=True, metavar="USERNAME", help="The account that acts.")


@contextmanager
def _store(data_dir: Path | None) -> Iterator:
    from .articles_db import ArticleStore
    from .settings import get_settings

    store = ArticleStore.open(get_settings(data_dir))
    try:
        yield store
    finally:
        store.close()


@click.group()
def users() -> None:
    """Editorial accounts: admins, editors and reviewers (Medical Advisory Board)."""


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(list(ROLES)), required=True, help="What the account may do.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.option("--name", "display_name", default="", help="Display name shown on approved articles.")
@click.option("--credentials", default="", help="Degrees and certifications, e.g. 'MD, PhD'.")
@click.option("--specialty", default="", help="Clinical specialty, e.g. 'Medical oncology'.")
@data_dir_option
def users_add(username, role, password_stdin, display_name, credentials, specialty, data_dir) -> None:
    """Add an account USERNAME (password hashed with argon2id).

    \b
    Example:
        printf '%s\\n' "$PASSWORD" | medora users add dr.lee --role reviewer --password-stdin \\
            --name "Dr Ana Lee" --credentials "MD, PhD" --specialty "Medical oncology"
    """
    from .auth import add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _store(data_dir) as store:
        user = add_user(store, username, role, password, display_name=display_name, credentials=credentials,
                        specialty=specialty)
    click.echo(f"Added {user.username} ({user.role}).")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@data_dir_option
def users_list(as_json, data_dir) -> None:
    """List accounts.

    \b
    Example:
        medora users list --json
    """
    from .auth import list_users

    with _store(data_dir) as store:
        rows = [{"username": u.username, "role": u.role, "name": u.name, "credentials": u.credentials,
                 "specialty": u.specialty, "active": u.active} for u in list_users(store)]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        click.echo(f"{r['username']:<20} {r['role']:<9} {r['name']}" + (f", {r['credentials']}" if r["credentials"]
                                                                         else "") + ("" if r["active"] else
                                                                                     "  (disabled)"))


@users.command("token")
@click.argument("username")
@click.option("--label", default="", help="What the token is for, e.g. 'hospital intranet'.")
@click.option("--days", type=click.FloatRange(min=0), default=None,
              help="Expire after this many days (default: articles.token_days, 90; 0: never).")
@data_dir_option
def users_token(username, label, days, data_dir) -> None:
    """Create an API token for USERNAME and print it once (only its hash is stored).

    \b
    Example:
        medora users token ed --label "CMS integration" --days 30
        curl -H "Authorization: Bearer mdr_..." http://127.0.0.1:8000/api/v1/articles
    """
    from .auth import create_token

    with _store(data_dir) as store:
        click.echo(create_token(store, username, label, days))


@users.command("tokens")
@click.argument("username", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@data_dir_option
def users_tokens(username, as_json, data_dir) -> None:
    """List API tokens (all, or USERNAME's), newest first: id, prefix, label, expiry, revocation.

    \b
    Example:
        medora users tokens ed
    """
    from .auth import list_tokens

    with _store(data_dir) as store:
        rows = list_tokens(store, username)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        state = f"revoked {r['revoked_at']}" if r["revoked_at"] else f"expires {r['expires_at'] or 'never'}"
        click.echo(f"{r['id']:>5}  {r['username']:<20} {r['prefix']}…  {state}  {r['label']}")


@users.command("revoke-token")
@click.argument("token_id", type=ARTICLE_ID)
@data_dir_option
def users_revoke_token(token_id, data_dir) -> None:
    """Revoke the API token TOKEN_ID (from `medora users tokens`) at once.

    \b
    Example:
        medora users revoke-token 7
    """
    from .auth import revoke_token

    with _store(data_dir) as store:
        row = revoke_token(store, token_id)
    click.echo(f"Revoked token {row['id']} ({row['prefix']}…) of {row['username']}.")


def _set_active(username: str, active: bool, data_dir) -> None:
    from .auth import set_active

    with _store(data_dir) as store:
        set_active(store, username, active)
    click.echo(f"{'Enabled' if active else 'Disabled'} {username}.")


@users.command("disable")
@click.argument("username")
@data_dir_option
def users_disable(username, data_dir) -> None:
    """Disable USERNAME: no sign-in, sessions ended, API tokens refused (its history stays).

    \b
    Example:
        medora users disable dr.lee
    """
    _set_active(username, False, data_dir)


@users.command("enable")
@click.argument("username")
@data_dir_option
def users_enable(username, data_dir) -> None:
    """Re-enable the disabled account USERNAME.

    \b
    Example:
        medora users enable dr.lee
    """
    _set_active(username, True, data_dir)


@users.command("reset-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from the first line of standard input.")
@data_dir_option
def users_reset_password(username, password_stdin, data_dir) -> None:
    """Set a new password for USERNAME; ends its sessions and lifts its login lockouts.

    \b
    Example:
        printf '%s\\n' "$NEW_PASSWORD" | medora users reset-password dr.lee --password-stdin
    """
    from .auth import reset_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    with _store(data_dir) as store:
        reset_password(store, username, password)
    click.echo(f"Password of {username} reset; its sessions were ended.")


@click.group()
def review() -> None:
    """The editorial review queue: list, assign, approve, request changes, reject."""


@review.command("list")
@click.option("--status", type=click.Choice(list(STATUS_LABELS)), default=None, help="Only this status.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@data_dir_option
def review_list(status, as_json, data_dir) -> None:
    """List articles, most recent status change first.

    \b
    Example:
        medora review list --status submitted
    """
    from .articles import list_articles

    with _store(data_dir) as store:
        rows = list_articles(store, status)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        click.echo(f"{r['id']:>5}  {r['status_label']:<18} v{r['version']:<3} {r['assignee'] or '-':<12} "
                   f"{r['audience']:<17} {r['question']}")


def _transition(action: str, article_id: int, actor: str, comment: str, version: int | None, data_dir,
                assignee: str | None = None) -> None:
    from .articles import transition
    from .auth import get_user

    with _store(data_dir) as store:
        article = transition(store, article_id, action, get_user(store, actor), version=version, comment=comment,
                             assignee=assignee)
    click.echo(f"Article {article.id}: {STATUS_LABELS[article.status]} (version {article.version}"
               + (f", assigned to {assignee or actor}" if action == "assign" else "") + ").")


def _workflow_command(action: str, needs_comment: bool):
    spec = ACTIONS[action]

    @review.command(action.replace("_", "-"), help=f"{spec.label}: ARTICLE_ID goes from "
                    f"{' or '.join(STATUS_LABELS[s] for s in spec.sources)} to {STATUS_LABELS[spec.target]} "
                    f"({' or '.join(spec.roles)}).\n\n\b\nExample:\n    medora review {action.replace('_', '-')} 12 "
                    f"--as dr.lee" + (' --comment "..."' if needs_comment else ""))
    @click.argument("article_id", type=ARTICLE_ID)
    @as_option
    @click.option("--comment", default=None if needs_comment else "", required=needs_comment,
                  help="Why (kept in the audit trail).")
    @click.option("--version", "version", type=int, default=None,
                  help="Refuse if the article is no longer at this version (optimistic locking).")
    @data_dir_option
    def command(article_id, actor, comment, version, data_dir) -> None:
        _transition(action, article_id, actor, comment, version, data_dir)

    return command


@review.command("assign")
@click.argument("article_id", type=ARTICLE_ID)
@as_option
@click.option("--to", "assignee", default=None, help="The reviewer (an editor assigns; a reviewer takes it).")
@click.option("--comment", default="", help="Kept in the audit trail.")
@click.option("--version", "version", type=int, default=None, help="Refuse if the article changed since.")
@data_dir_option
def review_assign(article_id, actor, assignee, comment, version, data_dir) -> None:
    """Assign ARTICLE_ID to a reviewer: Submitted → Under Review.

    \b
    Example:
        medora review assign 12 --as ed --to dr.lee
        medora review assign 12 --as dr.lee
    """
    _transition("assign", article_id, actor, comment, version, data_dir, assignee)


for _action, _needs in (("approve", False), ("request_changes", True), ("reject", True), ("submit", False),
                        ("withdraw", False)):
    _workflow_command(_action, _needs)


@review.command("remove")
@click.argument("article_ids", nargs=-1, required=True, type=ARTICLE_ID, metavar="ARTICLE_ID...")
@as_option
@click.option("--comment", required=True, help="Why (kept in the audit trail), e.g. 'spam'.")
@data_dir_option
def review_remove(article_ids, actor, comment, data_dir) -> None:
    """Remove spam articles from the review queue for good (admin); each removal is audited.

    Nothing is deleted: the revisions and the record of who removed them, when and why stay.

    \b
    Example:
        medora review remove 311 312 313 --as root --comment "spam"
        medora review list --status submitted --json | jq '.[].id' | xargs medora review remove --as root --comment spam
    """
    from .articles import transition
    from .auth import get_user

    with _store(data_dir) as store:
        user = get_user(store, actor)
        for article_id in article_ids:
            transition(store, article_id, "remove", user, version=None, comment=comment)
            click.echo(f"Article {article_id}: Removed.")


@review.command("audit")
@click.option("--article", "article_id", type=ARTICLE_ID, default=None, help="Only this article's events.")
@data_dir_option
def review_audit(article_id, data_dir) -> None:
    """Print the audit trail as JSON (every state change and edit, oldest first).

    \b
    Example:
        medora review audit --article 12
    """
    from .articles import audit_events

    with _store(data_dir) as store:
        click.echo(json.dumps(audit_events(store, article_id), indent=2, ensure_ascii=False))
