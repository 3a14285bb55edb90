"""Alembic migrations of the editorial database (run by ``ArticleStore.open``: ``upgrade head``)."""
