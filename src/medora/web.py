"""The web front door: ``create_app``, the HTML pages and the one exception handler.

Pages are server-rendered Jinja2 (autoescape on; corpus text is never marked safe)
with a little progressive JavaScript from ``static/``. Every page and the JSON API
share the data functions in ``api``.

    app = create_app(get_settings())      # opens the index once
    run_server(get_settings(), port=8000)  # what `medora serve` runs
"""

from __future__ import annotations

import logging
import re
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import __version__, api
from .api import (
    AUDIENCES,
    SEED_QUESTION,
    AudienceName,
    Medora,
    answer_data,
    medora,
    question_quota,
    search_data,
    source_path,
)
from .errors import MedoraError, QueryError
from .index import Index
from .limits import BodyLimit, TokenBuckets
from .settings import Settings, WebSettings
from .types import EVIDENCE_NAMES, TYPE_LABEL

logger = logging.getLogger(__name__)
HERE = Path(__file__).parent

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Browser features no Medora page uses, refused to the page and anything it might embed.
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
                      "payment=(), usb=()")
GENERIC_500 = "Something went wrong on the server while answering this request; it has been logged. Please try again."


def security_headers(path: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Frame-Options": "DENY",
        "Permissions-Policy": PERMISSIONS_POLICY,
    }


class SecurityHeaders:
    """ASGI middleware adding ``security_headers`` to every HTTP response, and HSTS to those over HTTPS.

    HTTPS is the request's scheme: the connection's own, or ``X-Forwarded-Proto`` from a
    proxy named in ``web.trusted_proxies``. Over plain HTTP the header would be ignored.
    """

    def __init__(self, app, hsts_seconds: int = 0):
        self.app, self.hsts_seconds = app, hsts_seconds

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in security_headers(scope["path"]).items():
                    headers[name] = value
                if self.hsts_seconds and scope.get("scheme") == "https":
                    headers["Strict-Transport-Security"] = f"max-age={self.hsts_seconds}; includeSubDomains"
            await send(message)

        await self.app(scope, receive, send_with_headers)


# -- templates --------------------------------------------------------------------------


def _when(iso: str) -> str:
    """"2025-01-02T13:45:00+00:00" -> "2 Jan 2025, 13:45 UTC"."""
    try:
        t = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return iso or ""
    return f"{t.day} {t:%b %Y, %H:%M}" + (" UTC" if t.utcoffset() == timedelta(0) else "")


def _http_url(url: str | None) -> bool:
    """Only http(s) links are rendered as links (no ``javascript:`` from a corpus field)."""
    return bool(url) and url.lower().startswith(("http://", "https://"))


ENV = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
ENV.filters["when"] = _when
ENV.tests["http_url"] = _http_url
ENV.globals.update(source_path=source_path, audiences=AUDIENCES, evidence_names=EVIDENCE_NAMES, type_labels=TYPE_LABEL,
                   version=__version__, seed_question=SEED_QUESTION)


def page(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    m: Medora | None = getattr(request.app.state, "medora", None)
    max_chars = m.settings.web.max_question_chars if m else 1000
    html = ENV.get_template(name).render(request=request, max_chars=max_chars, **context)
    return HTMLResponse(html, status_code=status)


# -- errors -----------------------------------------------------------------------------


def _validation_problems(exc: RequestValidationError) -> list[dict]:
    # Only where and what: pydantic's "input" would echo the request back, and "ctx" may hold exceptions.
    out = []
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            out.append({"field": "body", "message": "Request body is not valid JSON"})
            continue
        loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "query", "path")]
        out.append({"field": ".".join(loc) or "body", "message": err.get("msg", "invalid")})
    return out


def describe(exc: Exception, is_api: bool) -> tuple[int, str, list[dict]]:
    """(status, message for the user, details) for any exception; unexpected ones are logged."""
    if isinstance(exc, MedoraError):
        return exc.status, str(exc), []
    if isinstance(exc, RequestValidationError):
        problems = _validation_problems(exc)
        message = "Invalid request: " + "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        return (422 if is_api else 400), message, problems
    if isinstance(exc, StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else "Request failed"
        return exc.status_code, "Not found: no page or API route at this address." if exc.status_code == 404 else detail, []
    logger.error("Unexpected error", exc_info=exc)
    return 500, GENERIC_500, []


async def handle_exception(request: Request, exc: Exception):
    """One handler for every error: JSON under /api/, the error page elsewhere; never a traceback."""
    path = request.url.path
    is_api = path.startswith("/api/")
    status, message, details = describe(exc, is_api)
    headers = security_headers(path)
    if getattr(exc, "retry_after", None):
        headers["Retry-After"] = str(exc.retry_after)
    if is_api:
        body = {"ok": False, "error": message, "status": status, **({"details": details} if details else {})}
        return JSONResponse(body, status_code=status, headers=headers)
    response = page(request, "error.html", status=status, message=message, details=details, status_code=status)
    response.headers.update(headers)
    return response


# -- page data --------------------------------------------------------------------------


_NOT_A_TOPIC = re.compile(r"guideline|report of|update|criteria|section \d|task force|consortium|statement", re.I)


def example_questions(index: Index, n: int = 4) -> list[str]:
    """The seed question plus questions made from the newest guideline titles in the index."""
    out = [SEED_QUESTION]
    for title in (d.title for d in index.documents("guideline", 40)):
        # "Summary of evidence-based guideline update: prevention of stroke in ... Report of ..." -> the topic part
        parts = [p.strip().rstrip(".") for p in re.split(r":|\. ", title or "")]
        topic = next((p for p in parts if 20 <= len(p) <= 110 and not _NOT_A_TOPIC.search(p)), "")
        if not topic:
            continue
        topic = topic[0].lower() + topic[1:] if topic[1:2].islower() else topic
        question = f"What do guidelines recommend on {topic}?"
        if question not in out:
            out.append(question)
        if len(out) > n:
            break
    return out


def corpus_summary(m: Medora) -> dict:
    stats = m.index.stats()
    kinds = [(TYPE_LABEL.get(k.removeprefix("documents_"), k), v) for k, v in stats.items()
             if k.startswith("documents_") and v]
    return {"documents": stats.get("documents", 0), "passages": stats.get("passages", 0),
            "kinds": sorted(kinds, key=lambda kv: -kv[1]), "corpus_version": stats.get("corpus_version") or ""}


def highlight(text: str, passage: tuple[int, int], statement: tuple[int, int] | None) -> dict[str, str]:
    """Split ``text`` into plain pieces around the passage and, inside it, the statement.

    The template wraps the pieces in ``<mark>`` and escapes each one: no corpus text is ever
    marked safe. ``statement`` offsets are absolute in ``text`` and lie inside ``passage``.
    """
    a, b = passage
    s, e = statement or (b, b)
    return {"before": text[:a], "lead": text[a:s], "statement": text[s:e], "tail": text[e:b], "after": text[b:]}


def source_data(m: Medora, passage_id: str, start: int | None, end: int | None) -> dict:
    """The source view: the passage highlighted inside its section, with the document's metadata."""
    passage = m.index.passage(passage_id)
    doc = m.index.document(passage.doc_id, with_sections=True)
    if (start is None) != (end is None) or (start is not None and not 0 <= start < end <= len(passage.text)):
        raise QueryError(f"start and end must both be given, with 0 ≤ start < end ≤ {len(passage.text)} "
                         f"(the length of passage {passage.id})")
    # Section names may repeat within a document (MedQuAD): take the one the offsets fit.
    section = next((s for s in doc.sections if s.name == passage.section
                    and s.text[passage.start : passage.end] == passage.text), None)
    in_context = section is not None
    # NOTE: offsets that do not match the stored section (a re-index in between): show the passage alone
    text, offset = (section.text, passage.start) if in_context else (passage.text, 0)
    span = (offset + start, offset + end) if start is not None else None
    return {"passage": passage, "document": doc, "in_context": in_context,
            "pieces": highlight(text, (offset, offset + len(passage.text)), span),
            "label": TYPE_LABEL.get(doc.type, doc.type)}


# -- pages ------------------------------------------------------------------------------

pages = APIRouter(include_in_schema=False)


AUDIENCE_COOKIE = "medora_audience"  # the audience last chosen in this browser


def remembered_audience(request: Request) -> str:
    chosen = request.cookies.get(AUDIENCE_COOKIE, "")
    return chosen if chosen in AUDIENCES else "physician"


@pages.get("/", response_class=HTMLResponse)
def home_page(request: Request):
    return page(request, "home.html", examples=request.app.state.examples, corpus=corpus_summary(medora(request)),
                audience=remembered_audience(request))


@pages.get("/answer", response_class=HTMLResponse, dependencies=[Depends(question_quota)])
def answer_page(request: Request, q: str = "", audience: AudienceName | None = None, thread: str = "",
                turn: int | None = Query(None, ge=1)):
    audience = audience or remembered_audience(request)
    data = answer_data(medora(request), q, audience, str(request.base_url), thread or None, turn)
    ref_numbers = {r["doc_id"]: r["n"] for r in data["references"]}
    response = page(request, "answer.html", answer=data, ref_numbers=ref_numbers)
    response.set_cookie(AUDIENCE_COOKIE, audience, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response


@pages.get("/search", response_class=HTMLResponse)
def search_page(request: Request, q: str = "", k: int = Query(10, ge=1, le=100)):
    rows = search_data(medora(request), q, k) if q.strip() else []
    return page(request, "search.html", q=q, k=k, rows=rows)


@pages.get("/docs", response_class=HTMLResponse)
def api_docs_page(request: Request):
    """The API's routes from its OpenAPI schema, served from here: no viewer script from a CDN."""
    spec = request.app.openapi()
    operations = [{"method": method.upper(), "path": path, "summary": op.get("summary", "")}
                  for path, methods in spec["paths"].items() for method, op in methods.items()]
    return page(request, "api_docs.html", operations=operations, title=spec["info"]["title"],
                api_version=spec["info"]["version"], description=spec["info"].get("description", ""),
                openapi=spec["openapi"])


@pages.get("/source/{passage_id:path}", response_class=HTMLResponse)
def source_page(request: Request, passage_id: str, start: int | None = None, end: int | None = None):
    return page(request, "source.html", **source_data(medora(request), passage_id, start, end))


# -- the app ----------------------------------------------------------------------------


def create_app(settings: Settings) -> FastAPI:
    """The Medora web app: HTML pages, the REST API under /api/v1 and its docs at /docs.

    Args:
        settings: resolved settings; the index in ``settings.data_dir`` is opened once, here.

    Returns:
        A FastAPI app; its lifespan closes the index on shutdown.

    Raises:
        IndexNotBuilt, IndexMismatch: when the data directory holds no usable index.
    """
    from . import api_accounts, api_articles, web_articles
    from .articles_db import ArticleStore
    from .index import open_index
    from .threads import ThreadStore

    index = open_index(settings)
    store = ArticleStore.open(settings)  # migrates the editorial database to the newest schema
    threads = ThreadStore.open(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        index.close()
        store.close()
        threads.close()

    # NOTE: FastAPI's Swagger UI loads its script from a CDN; /docs is a page of our own instead.
    app = FastAPI(title="Medora", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Evidence-based clinical answers in which every statement cites its source.")
    buckets = TokenBuckets(settings.web.questions_per_minute, settings.web.questions_burst)
    app.state.medora = Medora(settings, index, articles=store, threads=threads, buckets=buckets)
    app.state.examples = example_questions(index)
    app.add_middleware(BodyLimit, limit=settings.web.max_body_bytes, refuse=handle_exception)
    app.add_middleware(SecurityHeaders, hsts_seconds=settings.web.hsts_seconds)  # added last: outermost, so it also marks the body limit's 413
    for exc_class in (MedoraError, RequestValidationError, StarletteHTTPException, Exception):
        app.add_exception_handler(exc_class, handle_exception)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(api_articles.router)
    app.include_router(api_accounts.router)
    app.include_router(pages)
    app.include_router(web_articles.pages)
    return app


def uvicorn_options(settings: WebSettings) -> dict:
    """uvicorn's proxy options: forwarded headers are believed only from ``web.trusted_proxies``.

    NOTE: uvicorn's own default believes X-Forwarded-For from 127.0.0.1, so behind nothing at
    all a client on the same host could rotate that header to escape the login lockout.
    """
    trusted = list(settings.trusted_proxies)
    return {"proxy_headers": True, "forwarded_allow_ips": trusted} if trusted else {"proxy_headers": False}


def run_server(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    """Serve ``create_app(settings)`` with uvicorn until interrupted (`medora serve`)."""
    import uvicorn

    from .retrieve import warm_up

    app = create_app(settings)
    warm_up(app.state.medora.index, settings.retrieve)
    uvicorn.run(app, host=host or settings.web.host, port=settings.web.port if port is None else port,
                **uvicorn_options(settings.web))
