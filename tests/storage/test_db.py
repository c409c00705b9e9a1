"""Engine and session setup."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from storage.db import dialect_name, make_engine, make_session_factory, session_scope
from storage.errors import UnsupportedDatabaseError
from storage.models import Lease
from tests.storage.helpers import at


def test_sqlite_engine_sets_pragmas_and_creates_directory(tmp_path: Path) -> None:
    path = tmp_path / "does" / "not" / "exist" / "akson.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            pragma = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar() for name in (
                "journal_mode", "foreign_keys", "busy_timeout", "synchronous"
            )}
        assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30_000, "synchronous": 1}
        assert path.exists()
        assert engine.pool.checkedout() == 0
    finally:
        engine.dispose()


def test_plain_postgresql_url_gets_psycopg3() -> None:
    engine = make_engine("postgresql://user@db.example/akson")
    try:
        assert engine.url.drivername == "postgresql+psycopg"
        assert dialect_name(engine) == "postgresql"
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "url",
    ["mysql://user@host/db", "postgresql+psycopg2://user@host/db", "not a url"],
    ids=["mysql", "psycopg2", "garbage"],
)
def test_unsupported_urls_are_refused(url: str) -> None:
    with pytest.raises(UnsupportedDatabaseError, match="unsupported database URL"):
        make_engine(url)


def test_dialect_name_of_engine_connection_and_session(engine: Engine, db_url: str) -> None:
    expected = db_url.split(":", 1)[0].split("+", 1)[0]
    with engine.connect() as conn:
        assert dialect_name(conn) == expected
    session = make_session_factory(engine)()
    try:
        assert dialect_name(session) == dialect_name(engine) == expected
    finally:
        session.close()


def test_session_scope_commits_and_rolls_back(session_factory) -> None:
    with session_scope(session_factory) as session:
        session.add(Lease(name="kept", holder="a", expires_at=at("2020-06-01T12:00:00+02:00")))
    with pytest.raises(RuntimeError):
        with session_scope(session_factory) as session:
            session.add(Lease(name="dropped", holder="a", expires_at=at("2020-06-01T12:00:00+02:00")))
            session.flush()
            raise RuntimeError("boom")
    with session_scope(session_factory) as session:
        assert [lease.name for lease in session.query(Lease)] == ["kept"]


def test_foreign_keys_are_enforced(session_factory) -> None:
    """SQLite ignores foreign keys unless switched on per connection."""
    with pytest.raises(IntegrityError):
        with session_scope(session_factory) as session:
            session.execute(
                text("INSERT INTO municipality_alias (number, alias, kind) VALUES ('9999', 'Nowhere', 'short')")
            )


def test_read_only_sessions_do_not_wait_for_writers(engine: Engine, session_factory) -> None:
    """GIVEN a worker in the middle of a write transaction
    WHEN a read-only session reads THEN it gets the committed snapshot at once,
    and PostgreSQL refuses writes in it."""
    writer = session_factory()
    reader = make_session_factory(engine, read_only=True)()
    try:
        writer.add(Lease(name="busy", holder="w", expires_at=at("2020-06-01T12:00:00+02:00")))
        writer.flush()  # holds the SQLite write lock from here on
        assert reader.scalars(select(Lease.name)).all() == []
        reader.rollback()
        if dialect_name(engine) == "postgresql":
            with pytest.raises(DBAPIError, match="read-only"):
                reader.execute(text("DELETE FROM lease"))
    finally:
        reader.close()
        writer.close()
