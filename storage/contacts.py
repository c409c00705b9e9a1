"""Importing municipality contact addresses and mail domains from a CSV file.

The whole file is validated before anything is written, so a rejected file changes
nothing: staff fix the line we name and import again.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import ContactImportError
from storage.models import EMAIL_LEN, Municipality, MunicipalityContact, MunicipalityDomain

REQUIRED_COLUMNS = ("number", "email")
OPTIONAL_COLUMNS = ("name", "cc", "domains")

# Several addresses or domains in one cell: ';' is documented, ',' and blanks are
# accepted too because none of them can occur inside a valid address or domain.
_LIST_SEPARATORS = re.compile(r"[;,\s]+")
# RFC 5322 dot-atom local part; quoted local parts are legal but never used by a
# municipality, and refusing them keeps the check simple and strict.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_PART = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_MAX_LOCAL_PART = 64  # RFC 5321 4.5.3.1.1
_MAX_DOMAIN = 253  # RFC 1035, without the trailing dot
_NUMBER = re.compile(r"\d{1,4}")

# A contact at a public mail provider must not make that provider's whole domain count
# as the municipality's: anyone can send from it. (Precision before recall.)
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "hotmail.com",
        "hotmail.no",
        "outlook.com",
        "live.com",
        "live.no",
        "msn.com",
        "yahoo.com",
        "yahoo.no",
        "icloud.com",
        "me.com",
        "online.no",
        "start.no",
        "getmail.no",
        "broadpark.no",
        "c2i.net",
        "frisurf.no",
        "protonmail.com",
        "proton.me",
    }
)


@dataclass(frozen=True, slots=True)
class ImportResult:
    rows: int
    contacts_added: int
    contacts_removed: int
    contacts_changed: int  # same address, role switched between official and cc
    domains_added: int
    domains_removed: int


@dataclass(frozen=True, slots=True)
class ContactRow:
    line_number: int
    number: str
    email: str
    cc: tuple[str, ...] | None  # None: no cc column, keep what is stored
    domains: tuple[str, ...] | None  # None: no domains column, keep what is stored


def import_contacts(session: Session, text: str, *, now: datetime | None = None) -> ImportResult:
    """Validate a contacts CSV completely, then apply it (flushes, does not commit).

    Per municipality in the file: the official address is replaced; cc addresses are
    replaced when the file has a ``cc`` column; imported domains are replaced when it
    has a ``domains`` column; the domain of every remaining contact is recorded with
    source ``contact``. Raises ContactImportError, before any change, on the first
    problem found.
    """
    known = set(session.scalars(select(Municipality.number)))
    rows = parse_contacts(text, known)
    created_at = now if now is not None else datetime.now(UTC)
    return _apply(session, rows, created_at)


def parse_contacts(text: str, known_numbers: Iterable[str]) -> list[ContactRow]:
    """Every row of the file, validated; raises ContactImportError naming the line."""
    known = set(known_numbers)
    text = text.removeprefix("\ufeff")
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        columns = _read_header(next(reader, []))
        rows: list[ContactRow] = []
        first_line: dict[str, int] = {}
        line_number = reader.line_num + 1
        for fields in reader:
            if any(field.strip() for field in fields):
                row = _parse_row(line_number, columns, fields, known)
                if row.number in first_line:
                    raise ContactImportError(
                        line_number, f"municipality {row.number} is already on line {first_line[row.number]}"
                    )
                first_line[row.number] = line_number
                rows.append(row)
            line_number = reader.line_num + 1
    except csv.Error as err:
        raise ContactImportError(reader.line_num, f"malformed CSV: {err}") from err
    return rows


def normalize_email(value: str) -> str:
    """A bare addr-spec, lower-cased; raises ValueError with the reason when it is not one."""
    if any(ch in value for ch in "\r\n"):
        raise ValueError("line break in address")
    if any(ch.isspace() for ch in value) or "<" in value or ">" in value:
        raise ValueError("give a bare address (no display name, no spaces)")
    if value.count("@") != 1:
        raise ValueError("an address needs exactly one '@'")
    local, domain = value.split("@")
    if len(local) > _MAX_LOCAL_PART or not _LOCAL_PART.fullmatch(local):
        raise ValueError("malformed local part")
    address = f"{local.lower()}@{normalize_domain(domain)}"
    if len(address) > EMAIL_LEN:
        raise ValueError("address too long")
    return address


def normalize_domain(value: str) -> str:
    """A host name in lower-case ASCII (IDNA for æøå); raises ValueError when malformed."""
    name = value.strip().lower()
    if not name:
        raise ValueError("empty domain")
    if "@" in name:
        raise ValueError("give a domain, not an address")
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError as err:
            raise ValueError("not a valid internationalised domain") from err
    labels = name.split(".")
    if len(name) > _MAX_DOMAIN or len(labels) < 2:
        raise ValueError("a domain needs at least two labels")
    if not all(_LABEL.fullmatch(label) for label in labels) or labels[-1].isdigit():
        raise ValueError("malformed domain")
    return name


def _read_header(fields: list[str]) -> tuple[str, ...]:
    columns = tuple(field.strip().lower() for field in fields)
    unknown = [c for c in columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise ContactImportError(1, f"unknown column {unknown[0]!r}; allowed: number,email,name,cc,domains")
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ContactImportError(1, f"missing column {missing[0]!r}; the header must include number,email")
    if len(set(columns)) != len(columns):
        raise ContactImportError(1, "a column appears twice in the header")
    return columns


def _parse_row(line_number: int, columns: tuple[str, ...], fields: list[str], known: set[str]) -> ContactRow:
    if len(fields) > len(columns):
        raise ContactImportError(line_number, f"{len(fields)} fields but the header has {len(columns)}")
    cells = dict(zip(columns, (f.strip() for f in fields), strict=False))

    raw_number = cells.get("number", "")
    if not _NUMBER.fullmatch(raw_number):
        raise ContactImportError(line_number, f"malformed municipality number {raw_number!r}")
    # Spreadsheets drop leading zeros ("301" for Oslo's 0301); numbers are 4 digits.
    number = raw_number.zfill(4)
    if number not in known:
        raise ContactImportError(line_number, f"unknown municipality number {number}")

    email = _email(line_number, "email", cells.get("email", ""))
    cc = None
    if "cc" in columns:
        cc = tuple(dict.fromkeys(_email(line_number, "cc", part) for part in _split(cells.get("cc", ""))))
    domains = None
    if "domains" in columns:
        domains = tuple(dict.fromkeys(_domain(line_number, part) for part in _split(cells.get("domains", ""))))
    return ContactRow(line_number, number, email, cc, domains)


def _split(cell: str) -> list[str]:
    return [part for part in _LIST_SEPARATORS.split(cell) if part]


def _email(line_number: int, column: str, value: str) -> str:
    if not value:
        raise ContactImportError(line_number, f"{column} is empty")
    try:
        return normalize_email(value)
    except ValueError as err:
        raise ContactImportError(line_number, f"malformed {column} address {value!r}: {err}") from err


def _domain(line_number: int, value: str) -> str:
    try:
        return normalize_domain(value)
    except ValueError as err:
        raise ContactImportError(line_number, f"malformed domain {value!r}: {err}") from err


def _apply(session: Session, rows: list[ContactRow], now: datetime) -> ImportResult:
    numbers = {row.number for row in rows}
    contacts: dict[str, dict[str, MunicipalityContact]] = {n: {} for n in numbers}
    for contact in session.scalars(select(MunicipalityContact)):
        if contact.number in numbers:
            contacts[contact.number][contact.email] = contact
    domains: dict[str, dict[str, MunicipalityDomain]] = {n: {} for n in numbers}
    for domain in session.scalars(select(MunicipalityDomain)):
        if domain.number in numbers:
            domains[domain.number][domain.domain] = domain

    counts = {"added": 0, "removed": 0, "changed": 0, "domains_added": 0, "domains_removed": 0}
    for row in rows:
        wanted = _wanted_contacts(row, contacts[row.number])
        _replace_contacts(session, row.number, contacts[row.number], wanted, now, counts)
        _replace_domains(session, row, domains[row.number], wanted, counts)
    session.flush()
    return ImportResult(
        rows=len(rows),
        contacts_added=counts["added"],
        contacts_removed=counts["removed"],
        contacts_changed=counts["changed"],
        domains_added=counts["domains_added"],
        domains_removed=counts["domains_removed"],
    )


def _wanted_contacts(row: ContactRow, current: dict[str, MunicipalityContact]) -> dict[str, str]:
    cc = row.cc if row.cc is not None else tuple(e for e, c in current.items() if c.role == "cc")
    wanted = {email: "cc" for email in cc}
    wanted[row.email] = "official"  # the same address as official and cc counts once, as official
    return wanted


def _replace_contacts(
    session: Session,
    number: str,
    current: dict[str, MunicipalityContact],
    wanted: dict[str, str],
    now: datetime,
    counts: dict[str, int],
) -> None:
    for email, contact in current.items():
        if email not in wanted:
            session.delete(contact)
            counts["removed"] += 1
        elif contact.role != wanted[email]:
            contact.role = wanted[email]
            counts["changed"] += 1
    for email, role in wanted.items():
        if email not in current:
            session.add(MunicipalityContact(number=number, email=email, role=role, created_at=now))
            counts["added"] += 1


def _replace_domains(
    session: Session,
    row: ContactRow,
    current: dict[str, MunicipalityDomain],
    contacts: dict[str, str],
    counts: dict[str, int],
) -> None:
    if row.domains is not None:
        imported = row.domains
    else:
        imported = tuple(d for d, entry in current.items() if entry.source == "import")
    wanted = {domain: "import" for domain in imported}
    for email in contacts:
        domain = email.rsplit("@", 1)[1]
        if domain not in PUBLIC_MAIL_DOMAINS:
            wanted.setdefault(domain, "contact")
    for domain, entry in current.items():
        if domain not in wanted:
            session.delete(entry)
            counts["domains_removed"] += 1
        elif entry.source != wanted[domain]:
            entry.source = wanted[domain]
    for domain, source in wanted.items():
        if domain not in current:
            session.add(MunicipalityDomain(number=row.number, domain=domain, source=source))
            counts["domains_added"] += 1


def contacts_of(session: Session, number: str) -> list[MunicipalityContact]:
    """A municipality's contact rows (with their bounce marks), the official address first."""
    return list(session.scalars(select(MunicipalityContact).where(MunicipalityContact.number == number)
                                .order_by(MunicipalityContact.role != "official", MunicipalityContact.email)))


def domains_of(session: Session, number: str) -> list[MunicipalityDomain]:
    """A municipality's recorded mail domains (``import`` and ``contact`` sources)."""
    return list(session.scalars(select(MunicipalityDomain).where(MunicipalityDomain.number == number)
                                .order_by(MunicipalityDomain.domain)))
