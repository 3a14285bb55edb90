"""Follow-up threads: resolution, storage, `medora ask --thread`, `medora chat` and the API."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from markupsafe import escape

from medora.api import SEED_QUESTION
from medora.cli import cli
from medora.errors import ThreadNotFound
from medora.index.store_sqlite import apply_migrations
from medora.threads import ThreadStore, Turn, ask, m001_threads, resolve

BRAIN = "What if she has brain metastases?"
BRAIN_RESOLVED = "What if she has brain metastases? (HER2-positive breast cancer)"

# Every test on the index runs on both backends (conftest.BACKENDS).
pytestmark = pytest.mark.both_backends


def _turns(*questions: str) -> tuple[Turn, ...]:
    return tuple(Turn("t", n, q, q, "physician", "") for n, q in enumerate(questions, start=1))


@pytest.mark.parametrize("previous, follow_up, resolved", [
    (SEED_QUESTION, BRAIN, BRAIN_RESOLVED),
    ("How is atrial fibrillation treated?", "What are its side effects?", "What are its side effects? (atrial fibrillation)"),
    ("Should older adults with hypertension take aspirin?", "What about the dose?",
     "What about the dose? (hypertension; aspirin; older adults)"),
    # The follow-up names its own drug: the earlier one is not carried over.
    ("Should older adults with hypertension take aspirin?", "And warfarin?", "And warfarin? (hypertension; older adults)"),
    # A new condition without pointing back is a new topic.
    (SEED_QUESTION, "How is atrial fibrillation treated?", "How is atrial fibrillation treated?"),
    (None, BRAIN, BRAIN),
])
def test_resolve(built_index, previous, follow_up, resolved):
    _, index = built_index
    turns = _turns(previous) if previous else ()
    assert resolve(follow_up, turns, index.abbreviations()) == resolved


def test_brain_metastases_follow_up_cites_the_brain_metastases_guideline(built_index, tmp_path):
    settings, index = built_index
    store = ThreadStore(tmp_path / "threads.db")
    first = ask(SEED_QUESTION, index, settings, store)
    follow_up = ask(BRAIN, index, settings, store, thread_id=first.thread_id)
    assert (follow_up.question, follow_up.resolved_question, follow_up.thread_id) == (BRAIN, BRAIN_RESOLVED, first.thread_id)
    assert [r.doc_id for r in follow_up.references if r.via is None] == ["ngc-10494"]
    assert [s.doc_id for s in follow_up.bottom_line] == ["ngc-10494"]
    assert [(t.n, t.question, t.resolved_question) for t in store.turns(first.thread_id)] == [
        (1, SEED_QUESTION, SEED_QUESTION), (2, BRAIN, BRAIN_RESOLVED)]
    store.close()


def test_a_follow_up_naming_nothing_is_answered_in_its_thread_and_not_found_outside_it(built_index, tmp_path):
    from medora.answer.answerability import NAMES_NOTHING

    settings, index = built_index
    store = ThreadStore(tmp_path / "threads.db")
    alone = ask("What is the treatment?", index, settings, store)
    assert (alone.status, alone.missing, alone.bottom_line) == ("not_found", (NAMES_NOTHING,), ())
    assert "does not say what it is about" in alone.notice and alone.nearest
    first = ask(SEED_QUESTION, index, settings, store)
    follow_up = ask("What is the treatment?", index, settings, store, thread_id=first.thread_id)
    assert follow_up.resolved_question != follow_up.question and follow_up.status != "not_found"
    assert follow_up.bottom_line
    store.close()


def test_thread_store_persists_and_reasks_update_the_last_turn(tmp_path):
    store = ThreadStore(tmp_path / "threads.db")
    first = store.add(None, "q1", "q1", "physician")
    second = store.add(first.thread_id, "q2", "q2 (c)", "physician")
    again = store.add(first.thread_id, "q2", "q2 (c)", "patient_caregiver")  # a reload with another audience
    store.close()
    store = ThreadStore(tmp_path / "threads.db")
    assert [(t.n, t.question, t.resolved_question, t.audience) for t in store.turns(first.thread_id)] == [
        (1, "q1", "q1", "physician"), (2, "q2", "q2 (c)", "patient_caregiver")]
    assert (first.n, second.n, again.n) == (1, 2, 2)
    with pytest.raises(ThreadNotFound, match="No thread 'nope': start one by asking without a thread id."):
        store.turns("nope")
    store.close()
    with sqlite3.connect(tmp_path / "threads.db") as db:
        assert [row[0] for row in db.execute("SELECT name FROM _migrations")] == ["m001_threads",
                                                                                "m002_thread_expiry"]


def test_threads_expire_after_their_last_question(tmp_path):
    # Issue #15: every request without a thread id added a thread that never expired.
    store = ThreadStore(tmp_path / "threads.db", expire_days=30)
    old, recent = store.add(None, "q1", "q1", "physician"), store.add(None, "q2", "q2", "physician")
    with store.db:  # as if their last questions were asked 31 and 29 days ago
        for turn, days in ((old, 31), (recent, 29)):
            then = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="seconds")
            store.db.execute("UPDATE threads SET updated_at = ? WHERE id = ?", (then, turn.thread_id))
    with pytest.raises(ThreadNotFound, match=f"^No thread '{old.thread_id}': start one by asking without"):
        store.turns(old.thread_id)
    assert store.add(recent.thread_id, "q3", "q3", "physician").n == 2  # a question keeps it alive
    assert store.db.execute("SELECT COUNT(*) FROM threads").fetchone() == (2,)  # expired, not yet deleted
    new = store.add(None, "q4", "q4", "physician")  # starting a thread deletes the expired ones
    assert sorted(store.db.execute("SELECT thread_id, n FROM turns")) == sorted(
        [(recent.thread_id, 1), (recent.thread_id, 2), (new.thread_id, 1)])
    assert sorted(row[0] for row in store.db.execute("SELECT id FROM threads")) == sorted(
        [recent.thread_id, new.thread_id])
    store.close()


def test_a_thread_store_from_before_expiry_is_migrated(tmp_path):
    with sqlite3.connect(tmp_path / "threads.db") as db:
        apply_migrations(db, [m001_threads])
        db.execute("INSERT INTO threads VALUES ('t1', '2025-01-01T00:00:00+00:00')")
        db.execute("INSERT INTO turns VALUES ('t1', 1, 'q', 'q', 'physician', '2025-01-02T00:00:00+00:00')")
    store = ThreadStore(tmp_path / "threads.db", expire_days=0)  # 0: never expire
    assert [t.asked_at for t in store.turns("t1")] == ["2025-01-02T00:00:00+00:00"]
    assert store.db.execute("SELECT updated_at FROM threads").fetchone() == ("2025-01-02T00:00:00+00:00",)
    store.close()


# -- command line -----------------------------------------------------------------------


def _invoke(settings, args, **kwargs):
    result = CliRunner().invoke(cli, [*args, "--data-dir", str(settings.data_dir)], **kwargs)
    assert result.exit_code == 0, result.output
    return result.output


def test_ask_json_carries_a_thread_id_and_thread_continues_it(built_index):
    settings, _ = built_index
    first = json.loads(_invoke(settings, ["ask", SEED_QUESTION, "--json"]))
    assert len(first["thread_id"]) == 16 and first["resolved_question"] == SEED_QUESTION
    follow_up = json.loads(_invoke(settings, ["ask", BRAIN, "--json", "--thread", first["thread_id"]]))
    assert (follow_up["question"], follow_up["resolved_question"], follow_up["thread_id"]) == (
        BRAIN, BRAIN_RESOLVED, first["thread_id"])
    assert "ngc-10494" in [r["doc_id"] for r in follow_up["references"]]
    text = _invoke(settings, ["ask", BRAIN, "--thread", first["thread_id"], "--audience", "patient_caregiver"])
    assert f"Searched as: {BRAIN_RESOLVED}" in text
    assert f"Thread: {first['thread_id']} (ask a follow-up with --thread {first['thread_id']})" in text
    assert "What this means for you:" in text


def test_ask_with_an_unknown_thread(built_index):
    settings, _ = built_index
    result = CliRunner().invoke(cli, ["ask", BRAIN, "--thread", "nope", "--data-dir", str(settings.data_dir)])
    assert (result.exit_code, result.output) == (1, "Error: No thread 'nope': start one by asking without a thread id.\n")


def test_chat_keeps_the_thread(built_index):
    settings, _ = built_index
    output = _invoke(settings, ["chat", "--json"], input=f"{SEED_QUESTION}\n\n{BRAIN}\n")
    answers = [json.loads(line) for line in output.splitlines()]
    assert [(a["question"], a["resolved_question"]) for a in answers] == [
        (SEED_QUESTION, SEED_QUESTION), (BRAIN, BRAIN_RESOLVED)]
    assert answers[0]["thread_id"] == answers[1]["thread_id"]
    text = _invoke(settings, ["chat", "--audience", "patient_caregiver"], input=f"{SEED_QUESTION}\n{BRAIN}\n")
    assert text.count("Thread: ") == 2 and f"Searched as: {BRAIN_RESOLVED}" in text


# -- API ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(built_index):
    from medora.web import create_app

    settings, _ = built_index
    with TestClient(create_app(settings)) as client:
        yield client


def test_api_thread(client):
    first = client.post("/api/v1/answers", json={"question": SEED_QUESTION}).json()
    body = {"question": BRAIN, "thread_id": first["thread_id"], "audience": "patient_caregiver"}
    follow_up = client.post("/api/v1/answers", json=body).json()
    assert (follow_up["resolved_question"], follow_up["thread_id"], follow_up["turn"]) == (
        BRAIN_RESOLVED, first["thread_id"], 2)
    assert [(t["n"], t["question"], t["audience"]) for t in follow_up["thread"]] == [
        (1, SEED_QUESTION, "physician"), (2, BRAIN, "patient_caregiver")]
    assert "ngc-10494" in [r["doc_id"] for r in follow_up["references"]]
    assert follow_up["reading_grade"] is not None and follow_up["framing"]


def test_api_unknown_thread(client):
    response = client.post("/api/v1/answers", json={"question": BRAIN, "thread_id": "nope"})
    assert (response.status_code, response.json()) == (
        404, {"ok": False, "error": "No thread 'nope': start one by asking without a thread id.", "status": 404})


def test_answer_page_shows_an_earlier_turn_without_adding_one(client):
    first = client.post("/api/v1/answers", json={"question": SEED_QUESTION}).json()
    client.post("/api/v1/answers", json={"question": BRAIN, "thread_id": first["thread_id"]})
    page = client.get("/answer", params={"thread": first["thread_id"], "turn": 1})
    assert page.status_code == 200
    assert f"<h1>{SEED_QUESTION}</h1>" in page.text and 'aria-current="page"' in page.text
    again = client.post("/api/v1/answers", json={"question": BRAIN, "thread_id": first["thread_id"]}).json()
    assert [t["n"] for t in again["thread"]] == [1, 2]
    missing = client.get("/answer", params={"thread": first["thread_id"], "turn": 5})
    assert missing.status_code == 400
    assert str(escape(f"No turn 5 in thread {first['thread_id']!r}: it has 2.")) in missing.text
