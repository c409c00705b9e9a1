"""The packaged municipality registry and its sync into the database."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Municipality, MunicipalityAlias, MunicipalityContact, MunicipalityDomain
from storage.registry import Alias, legal_name, load_reference, sync_registry
from storage.repo import import_contacts
from tests.storage.helpers import at

NOW = at("2020-05-04T09:00:00+02:00")


def _mod11_ok(org_number: str) -> bool:
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    remainder = sum(int(d) * w for d, w in zip(org_number[:8], weights)) % 11
    check = 0 if remainder == 0 else 11 - remainder
    return check != 10 and check == int(org_number[8])


def test_reference_data_checks_hold() -> None:
    reference = load_reference()
    assert len(reference) == 356
    assert len({m.number for m in reference}) == 356
    assert sum(m.population for m in reference) == 5_367_580
    invited = [m for m in reference if m.invited]
    assert len(invited) == 291
    assert sum(m.population for m in invited) == 4_632_214
    assert len({m.org_number for m in reference}) == 356
    assert all(_mod11_ok(m.org_number) for m in reference)
    midt = [m for m in reference if not m.invited]
    assert Counter(m.county for m in midt) == {"Møre og Romsdal": 26, "Trøndelag": 38, "Nordland": 1}
    assert sum(len(m.aliases) for m in reference) == 195
    assert [m.number for m in reference] == sorted(m.number for m in reference)


@pytest.mark.parametrize(
    ("ssb", "legal"),
    [
        ("Herøy (Nordland)", "Herøy"),
        ("Våler (Innlandet)", "Våler"),
        ("Oslo", "Oslo"),
        ("Porsanger - Porsáŋgu - Porsanki", "Porsanger - Porsáŋgu - Porsanki"),
    ],
    ids=["heroy", "valer", "plain", "parallel"],
)
def test_legal_name_strips_ssb_qualifier(ssb: str, legal: str) -> None:
    assert legal_name(ssb) == legal


def test_reference_keeps_both_name_forms_and_aliases() -> None:
    by_number = {m.number: m for m in load_reference()}
    heroy = by_number["1818"]
    assert (heroy.name, heroy.display_name) == ("Herøy", "Herøy (Nordland)")
    assert heroy.invited and not by_number["1515"].invited
    assert Alias("Voss herad", "herad") in by_number["4621"].aliases


def test_sync_loads_registry(session: Session) -> None:
    """The session fixture ran upgrade, which syncs the registry."""
    assert session.scalar(select(func.count()).select_from(Municipality)) == 356
    assert session.scalar(select(func.count()).where(Municipality.invited_default)) == 291
    assert session.scalar(select(func.sum(Municipality.population))) == 5_367_580
    assert session.scalar(select(func.count()).select_from(MunicipalityAlias)) == 195
    oslo = session.get(Municipality, "0301")
    assert oslo is not None and (oslo.name, oslo.county, oslo.invited_default) == ("Oslo", "Oslo", True)


def test_sync_is_idempotent_and_repairs_drift(session: Session) -> None:
    result = sync_registry(session)
    assert (result.inserted, result.updated, result.aliases_added, result.aliases_removed) == (0, 0, 0, 0)

    oslo = session.get(Municipality, "0301")
    assert oslo is not None
    oslo.population = 1
    session.add(MunicipalityAlias(number="0301", alias="Christiania", kind="former"))
    session.delete(session.scalars(select(MunicipalityAlias).where(MunicipalityAlias.alias == "Voss herad")).one())
    session.flush()

    result = sync_registry(session)
    assert (result.inserted, result.updated, result.aliases_added, result.aliases_removed) == (0, 1, 1, 1)
    assert session.get(Municipality, "0301").population == 693_494
    aliases = set(session.scalars(select(MunicipalityAlias.alias)))
    assert "Voss herad" in aliases and "Christiania" not in aliases


def test_sync_never_touches_contacts_or_domains(session: Session) -> None:
    import_contacts(session, "number,email,domains\n4622,post@kvam.no,kvam.no;kvam.kommune.no\n", now=NOW)
    before = (
        session.scalars(select(MunicipalityContact.email)).all(),
        sorted(session.scalars(select(MunicipalityDomain.domain))),
    )
    sync_registry(session)
    after = (
        session.scalars(select(MunicipalityContact.email)).all(),
        sorted(session.scalars(select(MunicipalityDomain.domain))),
    )
    assert before == after == (["post@kvam.no"], ["kvam.kommune.no", "kvam.no"])
