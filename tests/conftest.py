"""Shared database fixtures.

``db_url`` is parametrized over both backends, so every test that uses it (directly or
through ``engine``/``session_factory``/``session``) runs on SQLite and on PostgreSQL:

- SQLite: a file in the test's temporary directory;
- PostgreSQL: one database per test session on ``AKSON_TEST_PG_URL`` (default: the local
  server, trust auth), dropped at the end, and one fresh schema per test selected with
  ``search_path``. When the server is unreachable these tests are skipped, or fail if
  ``CI`` or ``AKSON_REQUIRE_SERVICES`` is set, so CI cannot pass by skipping them.

Engines are checked at teardown for connections that were never returned to the pool.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from storage.db import make_engine, make_session_factory
from storage.schema import upgrade

PG_ADMIN_URL = os.environ.get("AKSON_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_CONNECT_TIMEOUT_S = 5  # an absent server should skip quickly, not hang the suite

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


def _services_required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("AKSON_REQUIRE_SERVICES"))


def _admin_engine(url: URL) -> Engine:
    return create_engine(
        url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S}
    )


@pytest.fixture(scope="session")
def pg_database() -> Iterator[URL]:
    """A uniquely named database for this test session, dropped at the end."""
    admin_url = make_url(PG_ADMIN_URL)
    admin = _admin_engine(admin_url)
    try:
        with admin.connect():
            pass
    except OperationalError as err:
        admin.dispose()
        reason = f"PostgreSQL not reachable at {admin_url.render_as_string()}: {err.orig}"
        if _services_required():
            pytest.fail(f"{reason} (required because CI or AKSON_REQUIRE_SERVICES is set)")
        pytest.skip(f"{reason}; set AKSON_REQUIRE_SERVICES=1 to make this a failure")
    name = f"akson_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.set(database=name)
    finally:
        with admin.connect() as conn:
            # FORCE: a leaked connection must not leave the database behind.
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of an empty database on the parametrized backend."""
    if request.param == "sqlite":
        # A subdirectory that does not exist yet: make_engine must create it.
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'var' / 'akson.db'}"
        return
    database: URL = request.getfixturevalue("pg_database")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine(database)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        url = database.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the empty database; fails the test if a connection leaked."""
    engine = make_engine(db_url)
    try:
        yield engine
        leaked = engine.pool.checkedout()
        assert leaked == 0, f"{leaked} connection(s) still checked out at teardown"
    finally:
        engine.dispose()


@pytest.fixture
def session_factory(db_url: str, engine: Engine) -> sessionmaker[Session]:
    """Sessions on a database migrated to head with the registry loaded."""
    upgrade(db_url)
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """One session on the migrated database; uncommitted work is rolled back at the end."""
    session = session_factory()
    try:
        yield session
    finally:
        session.close()
