"""The municipality registry: packaged reference data and its sync into the database.

The CSVs in ``storage/data`` are the source of truth for names, numbers, populations and
aliases (see ``storage/data/README.md``). Contacts and mail domains are operational
data maintained with ``municipalities import`` and are never touched here.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import NamedTuple
from importlib.resources import files

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import RegistryDataError
from storage.models import Municipality, MunicipalityAlias

MUNICIPALITIES_CSV = "municipalities_2020.csv"
ALIASES_CSV = "municipality_aliases.csv"

_MUNICIPALITY_COLUMNS = (
    "number",
    "name",
    "county_number",
    "county",
    "population_2020",
    "org_number",
    "health_region",
    "invited",
    "language_form",
)
_ALIAS_COLUMNS = ("number", "alias", "kind")
_NUMBER = re.compile(r"\d{4}")
# SSB qualifies the two duplicated names with the county: "Herøy (Nordland)".
_QUALIFIER = re.compile(r"\s+\([^)]*\)$")


class Alias(NamedTuple):
    """An alternative name; a tuple, so ``for alias, kind in aliases`` works."""

    alias: str
    kind: str


@dataclass(frozen=True, slots=True)
class ReferenceMunicipality:
    number: str
    name: str  # legal name, without SSB's county qualifier
    display_name: str  # SSB's form, unique: "Herøy (Nordland)"
    county_number: str
    county: str
    population: int  # residents on 1 January 2020 (CSV column population_2020)
    org_number: str
    health_region: str
    invited: bool
    language_form: str
    aliases: tuple[Alias, ...]


@dataclass(frozen=True, slots=True)
class RegistrySyncResult:
    inserted: int
    updated: int
    aliases_added: int
    aliases_removed: int


def legal_name(ssb_name: str) -> str:
    """``"Herøy (Nordland)"`` -> ``"Herøy"``; other names are returned unchanged."""
    return _QUALIFIER.sub("", ssb_name)


def load_reference() -> list[ReferenceMunicipality]:
    """All municipalities from the packaged CSVs, ordered by number, with their aliases."""
    aliases: dict[str, list[Alias]] = {}
    for line_number, row in _read_csv(ALIASES_CSV, _ALIAS_COLUMNS):
        if not _NUMBER.fullmatch(row["number"]) or not row["alias"] or not row["kind"]:
            raise RegistryDataError(ALIASES_CSV, line_number, "incomplete or malformed row")
        aliases.setdefault(row["number"], []).append(Alias(row["alias"], row["kind"]))

    result: list[ReferenceMunicipality] = []
    seen: set[str] = set()
    for line_number, row in _read_csv(MUNICIPALITIES_CSV, _MUNICIPALITY_COLUMNS):
        municipality = _parse_municipality(row, line_number, tuple(aliases.pop(row["number"], ())))
        if municipality.number in seen:
            raise RegistryDataError(MUNICIPALITIES_CSV, line_number, f"duplicate number {municipality.number}")
        seen.add(municipality.number)
        result.append(municipality)
    if aliases:
        raise RegistryDataError(ALIASES_CSV, 0, f"aliases for unknown numbers {sorted(aliases)}")
    return sorted(result, key=lambda m: m.number)


def sync_registry(session: Session) -> RegistrySyncResult:
    """Make the municipality and alias tables match the reference data.

    Idempotent: unchanged rows are not written. Municipalities missing from the
    reference are kept, because submissions may point at them; aliases follow the
    reference exactly.
    """
    reference = load_reference()
    existing = {m.number: m for m in session.scalars(select(Municipality))}
    inserted = updated = 0
    for ref in reference:
        values = _municipality_values(ref)
        row = existing.get(ref.number)
        if row is None:
            session.add(Municipality(**values))
            inserted += 1
        elif any(getattr(row, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            updated += 1
    # Aliases reference municipalities: the parents must exist in the database first.
    session.flush()
    added, removed = _sync_aliases(session, reference)
    session.flush()
    return RegistrySyncResult(inserted, updated, added, removed)


def _sync_aliases(session: Session, reference: list[ReferenceMunicipality]) -> tuple[int, int]:
    wanted = {(ref.number, a.alias, a.kind) for ref in reference for a in ref.aliases}
    have = {(a.number, a.alias, a.kind): a for a in session.scalars(select(MunicipalityAlias))}
    removed = 0
    for key, row in have.items():
        if key not in wanted:
            session.delete(row)
            removed += 1
    new = sorted(wanted - have.keys())
    session.add_all(MunicipalityAlias(number=n, alias=alias, kind=kind) for n, alias, kind in new)
    return len(new), removed


def _municipality_values(ref: ReferenceMunicipality) -> dict[str, object]:
    return {
        "number": ref.number,
        "name": ref.name,
        "display_name": ref.display_name,
        "county_number": ref.county_number,
        "county": ref.county,
        "population": ref.population,
        "org_number": ref.org_number,
        "health_region": ref.health_region,
        "invited_default": ref.invited,
        "language_form": ref.language_form,
    }


def _parse_municipality(row: dict[str, str], line_number: int, aliases: tuple[Alias, ...]) -> ReferenceMunicipality:
    def fail(message: str) -> RegistryDataError:
        return RegistryDataError(MUNICIPALITIES_CSV, line_number, message)

    if not _NUMBER.fullmatch(row["number"]):
        raise fail(f"malformed number {row['number']!r}")
    if row["invited"] not in ("true", "false"):
        raise fail(f"invited must be true or false, not {row['invited']!r}")
    try:
        population = int(row["population_2020"])
    except ValueError as err:
        raise fail(f"malformed population {row['population_2020']!r}") from err
    if any(not row[column] for column in _MUNICIPALITY_COLUMNS):
        raise fail("empty column")
    return ReferenceMunicipality(
        number=row["number"],
        name=legal_name(row["name"]),
        display_name=row["name"],
        county_number=row["county_number"],
        county=row["county"],
        population=population,
        org_number=row["org_number"],
        health_region=row["health_region"],
        invited=row["invited"] == "true",
        language_form=row["language_form"],
        aliases=aliases,
    )


def _read_csv(file_name: str, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    text = (files("storage") / "data" / file_name).read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if tuple(reader.fieldnames or ()) != columns:
        raise RegistryDataError(file_name, 1, f"expected columns {','.join(columns)}")
    rows: list[tuple[int, dict[str, str]]] = []
    for row in reader:
        if None in row or None in row.values():
            raise RegistryDataError(file_name, reader.line_num, "wrong number of columns")
        rows.append((reader.line_num, {key: value.strip() for key, value in row.items()}))
    return rows
