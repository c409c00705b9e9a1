"""Migrations from an empty database, on every backend."""

from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import BigInteger, Column, Engine, Integer, MetaData, Table, func, inspect, select, text

from storage.db import make_session_factory, session_scope
from storage.errors import MigrationError
from storage.models import Base, Municipality, MunicipalityAlias
from storage.schema import current_revision, head_revision, upgrade


def test_upgrade_from_empty_twice(db_url: str, engine: Engine) -> None:
    """GIVEN an empty database WHEN upgrade runs twice THEN it is at head, registry loaded once."""
    assert current_revision(engine) is None
    upgrade(db_url)
    upgrade(db_url)
    assert current_revision(engine) == head_revision()
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    with session_scope(make_session_factory(engine)) as session:
        assert session.scalar(select(func.count()).select_from(Municipality)) == 356
        assert session.scalar(select(func.count()).select_from(MunicipalityAlias)) == 195


def test_migrated_schema_equals_models(db_url: str, engine: Engine) -> None:
    upgrade(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_schema_comparison_detects_drift(db_url: str, engine: Engine) -> None:
    """The check above is only worth something if a model change shows up as a diff."""
    upgrade(db_url)
    drifted = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(drifted)
    drifted.tables["raw_message"].c.size.type = BigInteger()
    Table("not_migrated", drifted, Column("id", Integer, primary_key=True))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), drifted)
    flat = [d[0] if isinstance(d, list) else d for d in diff]
    assert {change[0] for change in flat} == {"add_table", "modify_type"}


def test_head_revision_is_packaged() -> None:
    assert head_revision() == "0004"


def test_database_from_a_newer_release_is_refused(db_url: str, engine: Engine) -> None:
    upgrade(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(MigrationError, match="9999"):
        upgrade(db_url)


def test_concurrent_upgrades_take_turns(db_url: str, engine: Engine) -> None:
    """GIVEN an empty database WHEN two processes run `db upgrade` at the same moment
    THEN both succeed and the registry is loaded once."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            upgrade(db_url)
        except BaseException as err:  # collected for the assertion below
            errors.append(err)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Municipality)) == 356
