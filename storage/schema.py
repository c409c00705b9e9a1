"""Create or migrate the schema to the newest revision, then load the registry.

Alembic is configured in code: the migrations ship inside the package next to this file,
so an installed service needs no alembic.ini and no working-directory conventions.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from storage.db import SQLITE_BEGIN_OPTION, make_engine
from storage.errors import MigrationError
from storage.registry import sync_registry

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Any constant works as long as nothing else in the database uses it: it makes two
# `db upgrade` runs started together (e.g. by several containers) take turns.
_PG_UPGRADE_LOCK_KEY = 0x616B736F6E  # "akson"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for our migrations, optionally bound to an open connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision shipped with this version of the package."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise MigrationError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(url: str) -> None:
    """Bring the database at ``url`` to the newest schema and load the registry.

    Idempotent: a database already at head is left as it is, and the registry sync only
    writes what differs. Schema and registry change in one transaction (PostgreSQL and
    SQLite both have transactional DDL), so a failure leaves the database as it was, and
    concurrent runs take turns instead of both inserting the registry.
    """
    engine = make_engine(url)
    try:
        # IMMEDIATE: on SQLite, take the write lock before Alembic reads the version
        # table, so that two concurrent upgrades serialise instead of failing half way.
        with engine.connect().execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"}) as conn:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_UPGRADE_LOCK_KEY})
                command.upgrade(alembic_config(conn), "head")
                with Session(bind=conn) as session:
                    sync_registry(session)
    except (SQLAlchemyError, CommandError) as err:
        # CommandError: e.g. the database is at a revision this version does not ship
        # (a newer release migrated it); never downgrade silently.
        raise MigrationError(f"could not upgrade the database: {err}") from err
    finally:
        engine.dispose()
