"""Engines and sessions for the two supported backends: SQLite (embedded) and PostgreSQL.

SQLite notes, because its defaults do not suit a service with several workers:

- WAL lets readers run while one writer commits; ``synchronous=NORMAL`` is the
  documented safe pairing with WAL (a power cut may lose the last commit, never corrupt).
- ``foreign_keys`` is off by default in SQLite and has to be switched on per connection.
- ``busy_timeout`` makes a writer wait for the lock instead of failing at once; 30 s is
  longer than any single transaction of ours should take.
- Python's sqlite3 module (3.11) starts transactions lazily and breaks SAVEPOINT; we turn
  its transaction handling off and emit BEGIN ourselves (SQLAlchemy's documented recipe).
- The BEGIN is ``IMMEDIATE`` by default: a deferred transaction that reads and then
  writes gets "database is locked" at once (no busy wait) when another connection
  wrote in between, which is exactly what concurrent pollers and processors do. Read-only
  work that must not queue behind writers may use
  ``engine.execution_options(sqlite_begin="DEFERRED")``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Engine, Executable, Row, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import UnsupportedDatabaseError

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_BEGIN_OPTION = "sqlite_begin"
_SQLITE_BEGIN_MODES = {"DEFERRED", "IMMEDIATE", "EXCLUSIVE"}
_DEFAULT_SQLITE_BEGIN = "IMMEDIATE"

SQLITE = "sqlite"
POSTGRESQL = "postgresql"


def make_engine(url: str, **engine_kwargs: Any) -> Engine:
    """Build an engine for ``sqlite:///PATH`` or ``postgresql+psycopg://...``.

    A plain ``postgresql://`` (or ``postgres://``) URL gets the psycopg 3 driver, the
    only PostgreSQL driver we ship.
    """
    sa_url = _parse(url)
    backend = sa_url.get_backend_name()
    if backend == SQLITE:
        _create_parent_dir(sa_url)
        engine = create_engine(sa_url, **engine_kwargs)
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    if backend == POSTGRESQL:
        if sa_url.drivername == POSTGRESQL:
            sa_url = sa_url.set(drivername="postgresql+psycopg")
        elif sa_url.get_driver_name() != "psycopg":
            raise UnsupportedDatabaseError(url, "use postgresql+psycopg:// (psycopg 3)")
        # pre_ping: a worker may sit idle for hours between polls; a connection the
        # server or a proxy dropped meanwhile must be replaced, not raise mid-cycle.
        engine_kwargs.setdefault("pool_pre_ping", True)
        return create_engine(sa_url, **engine_kwargs)
    raise UnsupportedDatabaseError(url, "expected sqlite:/// or postgresql+psycopg://")


def make_session_factory(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit, so results outlive the scope.

    ``read_only`` is for pages and reports: PostgreSQL refuses writes in them, and on
    SQLite they begin DEFERRED, so they read a snapshot (WAL) instead of queueing behind
    a worker's write transaction.
    """
    if read_only:
        if engine.dialect.name == SQLITE:
            engine = engine.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})
        else:
            engine = engine.execution_options(postgresql_readonly=True)
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit when the block succeeds, roll back when it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def dialect_name(bind: Engine | Connection | Session) -> str:
    """``"sqlite"`` or ``"postgresql"`` for an engine, connection or bound session."""
    if isinstance(bind, Session):
        return bind.get_bind().dialect.name
    return bind.dialect.name


def _parse(url: str) -> URL:
    # SQLAlchemy dropped the "postgres" scheme, but Heroku-style URLs still use it.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    try:
        return make_url(url)
    except ArgumentError as err:
        raise UnsupportedDatabaseError(url, "not a database URL") from err


def _create_parent_dir(sa_url: URL) -> None:
    database = sa_url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit at the driver level; SQLAlchemy's "begin" event below emits BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    mode = str(connection.get_execution_options().get(SQLITE_BEGIN_OPTION, _DEFAULT_SQLITE_BEGIN))
    if mode.upper() not in _SQLITE_BEGIN_MODES:
        raise ValueError(f"{SQLITE_BEGIN_OPTION} must be one of {sorted(_SQLITE_BEGIN_MODES)}, not {mode!r}")
    connection.exec_driver_sql(f"BEGIN {mode.upper()}")



def insert_unless_duplicate(session: Session, statement: Executable) -> list[Row[Any]] | None:
    """Run an INSERT in a SAVEPOINT; None if a unique key clashed, else its RETURNING rows.

    The savepoint keeps the surrounding transaction usable after the violation, which
    PostgreSQL would otherwise abort. Core statements, not ORM objects, so a clash leaves
    no half-added object in the session. Callers re-read the row that won; a foreign-key
    error is an IntegrityError too, and the re-read then finds nothing.
    """
    try:
        with session.begin_nested():
            result = session.execute(statement)
            # A plain INSERT gives a CursorResult without rows; INSERT ... RETURNING rows.
            if isinstance(result, CursorResult) and not result.returns_rows:
                return []
            return list(result.all())
    except IntegrityError:
        return None


def affected_rows(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE and return how many rows it matched."""
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount
