"""Alembic revision scripts, applied in order by ``ArticleStore.upgrade``."""
