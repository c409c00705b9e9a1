"""Importing contact addresses and mail domains (``municipalities import``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.contacts import PUBLIC_MAIL_DOMAINS, normalize_domain, normalize_email
from storage.errors import ContactImportError
from storage.models import MunicipalityContact, MunicipalityDomain
from storage.repo import Contact, import_contacts, municipality_rows
from tests.storage.helpers import at

NOW = at("2020-05-04T09:00:00+02:00")
PUBLIC_CONTACTS = Path("/work/shared/corpus/public/contacts.csv")


def _state(session: Session) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    contacts = session.execute(
        select(MunicipalityContact.number, MunicipalityContact.email, MunicipalityContact.role).order_by(
            MunicipalityContact.number, MunicipalityContact.email
        )
    ).all()
    domains = session.execute(
        select(MunicipalityDomain.number, MunicipalityDomain.domain, MunicipalityDomain.source).order_by(
            MunicipalityDomain.number, MunicipalityDomain.domain
        )
    ).all()
    return [tuple(r) for r in contacts], [tuple(r) for r in domains]


def _record(session: Session, number: str):
    return next(r for r in municipality_rows(session) if r.number == number)


# --- pure validation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("postmottak@oslo.kommune.no", "postmottak@oslo.kommune.no"),
        ("Post.Mottak@Kvam.NO", "post.mottak@kvam.no"),
        ("ordforer+akson@bo.kommune.no", "ordforer+akson@bo.kommune.no"),
        ("post@bø.kommune.no", "post@xn--b-5ga.kommune.no"),
    ],
    ids=["plain", "case", "plus", "idn"],
)
def test_normalize_email_accepts(value: str, expected: str) -> None:
    assert normalize_email(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "Kari Nordmann <kari@oslo.kommune.no>",
        "kari@oslo.kommune.no\r\nBcc: all@example.org",
        "kari@oslo",
        "kari@@oslo.kommune.no",
        "kari nordmann@oslo.kommune.no",
        ".kari@oslo.kommune.no",
        "kari..n@oslo.kommune.no",
        "kari@-oslo.kommune.no",
        "kari@oslo..kommune.no",
        "kari@127.0.0.1",
        '"kari"@oslo.kommune.no',
        "a" * 65 + "@oslo.kommune.no",
    ],
    ids=[
        "display-name", "crlf", "one-label", "two-at", "space", "leading-dot", "double-dot",
        "hyphen-label", "empty-label", "ip", "quoted", "long-local",
    ],
)
def test_normalize_email_refuses(value: str) -> None:
    with pytest.raises(ValueError):
        normalize_email(value)


@pytest.mark.parametrize("value", ["kvam", "kvam.no.", "post@kvam.no", "kv_am.no", "-kvam.no", "x" * 64 + ".no"])
def test_normalize_domain_refuses(value: str) -> None:
    with pytest.raises(ValueError):
        normalize_domain(value)


# --- import contract ---------------------------------------------------------------------


def test_import_valid_file(session: Session) -> None:
    text = (
        "number,email,name,cc,domains\n"
        "4622,post@kvam.herad.no,Kvam,ordforar@kvam.herad.no;radmann@kvam.herad.no,kvam.no\n"
        "0301,postmottak@oslo.kommune.no,Oslo,,\n"
    )
    result = import_contacts(session, text, now=NOW)
    assert (result.rows, result.contacts_added, result.contacts_removed) == (2, 4, 0)
    assert result.domains_added == 3  # kvam.no (import), kvam.herad.no, oslo.kommune.no (contact)

    kvam = _record(session, "4622")
    assert kvam.contacts == (
        Contact("post@kvam.herad.no", "official"),
        Contact("ordforar@kvam.herad.no", "cc"),
        Contact("radmann@kvam.herad.no", "cc"),
    )
    assert kvam.official_email == "post@kvam.herad.no"
    assert kvam.domains == ("kvam.no",)
    assert kvam.contact_domains == ("kvam.herad.no",)
    assert kvam.mail_domains == ("kvam.herad.no", "kvam.no")
    assert _record(session, "0301").cc_emails == ()


def test_import_real_public_contacts_file(session: Session) -> None:
    text = PUBLIC_CONTACTS.read_text(encoding="utf-8")
    result = import_contacts(session, text, now=NOW)
    assert result.rows == 356
    records = municipality_rows(session)
    assert len(records) == 356
    assert all(r.official_email for r in records)
    assert session.scalar(select(func.count()).select_from(MunicipalityContact)) == 356
    assert session.scalar(select(func.count()).select_from(MunicipalityDomain)) >= 356 - len(PUBLIC_MAIL_DOMAINS)

    again = import_contacts(session, text, now=NOW)
    assert (again.contacts_added, again.contacts_removed, again.domains_added, again.domains_removed) == (0, 0, 0, 0)


def test_unknown_number_names_the_line_and_changes_nothing(session: Session) -> None:
    import_contacts(session, "number,email\n0301,postmottak@oslo.kommune.no\n", now=NOW)
    before = _state(session)
    text = (
        "number,email\n"
        "0301,ny@oslo.kommune.no\n"
        "\n"  # blank lines are skipped but still counted
        "1101,post@eigersund.kommune.no\n"
        "9999,post@nowhere.kommune.no\n"
    )
    with pytest.raises(ContactImportError) as caught:
        import_contacts(session, text, now=NOW)
    assert caught.value.line_number == 5
    assert "unknown municipality number 9999" in str(caught.value)
    assert _state(session) == before


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("number,email\n0301,Oslo <post@oslo.kommune.no>\n", 2, "malformed email"),
        ('number,email\n0301,"post@oslo.kommune.no\r\nBcc: x@y.no"\n', 2, "malformed email"),
        ("number,email\n0301,\n", 2, "email is empty"),
        ("number,email,cc\n0301,post@oslo.kommune.no,ok@oslo.kommune.no;not-an-address\n", 2, "malformed cc"),
        ("number,email,domains\n0301,post@oslo.kommune.no,oslo\n", 2, "malformed domain"),
        ("number,email\n0301,post@oslo.kommune.no\n301,other@oslo.kommune.no\n", 3, "already on line 2"),
        ("number,email\nOslo,post@oslo.kommune.no\n", 2, "malformed municipality number"),
        ("number,email\n0301,post@oslo.kommune.no,extra\n", 2, "3 fields"),
        ("number\n0301\n", 1, "missing column 'email'"),
        ("number,email,phone\n0301,post@oslo.kommune.no,22000000\n", 1, "unknown column 'phone'"),
        ("number,email,email\n0301,a@oslo.kommune.no,b@oslo.kommune.no\n", 1, "twice"),
        ("", 1, "missing column"),
    ],
    ids=[
        "display-name", "header-injection", "empty-email", "bad-cc", "bad-domain", "duplicate-number",
        "bad-number", "extra-field", "missing-column", "unknown-column", "duplicate-column", "empty-file",
    ],
)
def test_rejected_files(session: Session, text: str, line: int, message: str) -> None:
    with pytest.raises(ContactImportError, match=message) as caught:
        import_contacts(session, text, now=NOW)
    assert caught.value.line_number == line
    assert _state(session) == ([], [])


def test_bom_and_semicolon_delimiter(session: Session) -> None:
    text = '\ufeffnumber;email;name;cc\r\n301;Postmottak@Oslo.kommune.no;Oslo;"a@oslo.kommune.no;b@oslo.kommune.no"\r\n'
    result = import_contacts(session, text, now=NOW)
    assert result.rows == 1
    oslo = _record(session, "0301")
    assert oslo.official_email == "postmottak@oslo.kommune.no"
    assert oslo.cc_emails == ("a@oslo.kommune.no", "b@oslo.kommune.no")


def test_reimport_replaces_official_cc_and_domains(session: Session) -> None:
    import_contacts(
        session,
        "number,email,cc,domains\n4622,post@kvam.herad.no,old@kvam.herad.no,kvam.no;kvam.kommune.no\n",
        now=NOW,
    )
    result = import_contacts(session, "number,email,cc,domains\n4622,post@kvam.no,,kvam.no\n", now=NOW)
    assert (result.contacts_added, result.contacts_removed) == (1, 2)
    kvam = _record(session, "4622")
    assert kvam.contacts == (Contact("post@kvam.no", "official"),)
    assert kvam.domains == ("kvam.no",)  # kvam.no is both: the import wins
    assert kvam.contact_domains == ()  # kvam.herad.no went with its addresses


def test_columns_left_out_keep_what_is_stored(session: Session) -> None:
    import_contacts(session, "number,email,cc,domains\n4622,post@kvam.no,cc@kvam.no,kvam.herad.no\n", now=NOW)
    import_contacts(session, "number,email\n4622,ny@kvam.no\n", now=NOW)
    kvam = _record(session, "4622")
    assert kvam.official_email == "ny@kvam.no"
    assert kvam.cc_emails == ("cc@kvam.no",)
    assert kvam.domains == ("kvam.herad.no",)


def test_cc_promoted_to_official(session: Session) -> None:
    import_contacts(session, "number,email,cc\n0301,post@oslo.kommune.no,ordforer@oslo.kommune.no\n", now=NOW)
    result = import_contacts(session, "number,email,cc\n0301,ordforer@oslo.kommune.no,\n", now=NOW)
    assert (result.contacts_added, result.contacts_removed, result.contacts_changed) == (0, 1, 1)
    assert _record(session, "0301").contacts == (Contact("ordforer@oslo.kommune.no", "official"),)


def test_public_mail_provider_is_not_a_municipality_domain(session: Session) -> None:
    import_contacts(session, "number,email\n1818,ordforer.heroy@gmail.com\n", now=NOW)
    heroy = _record(session, "1818")
    assert heroy.official_email == "ordforer.heroy@gmail.com"
    assert heroy.mail_domains == ()


def test_contact_created_at_is_kept_on_reimport(session: Session) -> None:
    import_contacts(session, "number,email\n0301,post@oslo.kommune.no\n", now=NOW)
    import_contacts(session, "number,email\n0301,post@oslo.kommune.no\n", now=at("2020-06-01T09:00:00+02:00"))
    assert session.scalars(select(MunicipalityContact.created_at)).one() == NOW
