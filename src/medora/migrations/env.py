"""Alembic environment: migrate the connection ``ArticleStore.upgrade`` hands over.

For a new revision script (developers only), from the repository root:

    python -c "from alembic.config import Config; from alembic import command; \
c = Config(); c.set_main_option('script_location', 'src/medora/migrations'); \
c.set_main_option('sqlalchemy.url', 'sqlite:///dev.db'); command.revision(c, 'what changed', autogenerate=True)"
"""

from alembic import context
from sqlalchemy import create_engine

from medora.articles_db import Base

config = context.config
# NOTE: a fixed key, so that two servers starting against one PostgreSQL database migrate one after the other.
ADVISORY_LOCK = 7_031_918


def run(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK})")
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    with create_engine(config.get_main_option("sqlalchemy.url")).begin() as conn:
        run(conn)
