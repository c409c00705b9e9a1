"""Fixtures for parser tests: the 2020 municipality registry, built from the package data.

Built here from the CSV files (not through ``storage``) so the parser tests need no
database: legal name = SSB name without its " (County)" qualifier, aliases from
``municipality_aliases.csv``.
"""
from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import pytest

from parsers.analyse import Analyser
from parsers.municipalities import NameIndex, conventional_domains
from parsers.types import Municipality

DATA = Path(__file__).resolve().parents[2] / "storage" / "data"


def load_registry() -> tuple[Municipality, ...]:
    aliases: dict[str, list[tuple[str, str]]] = {}
    with open(DATA / "municipality_aliases.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            aliases.setdefault(row["number"], []).append((row["alias"], row["kind"]))
    out = []
    with open(DATA / "municipalities_2020.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            out.append(Municipality(
                number=row["number"],
                name=re.sub(r"\s*\([^)]*\)$", "", row["name"]),
                display_name=row["name"],
                county=row["county"],
                population=int(row["population_2020"]),
                invited=row["invited"] == "true",
                language_form=row["language_form"],
                aliases=tuple(aliases.get(row["number"], ())),
            ))
    return tuple(out)


def campaign_analyser(deadline: dt.datetime, **options) -> Analyser:
    """An analyser over the registry with each municipality's conventional mail domain,
    the invited set of the campaign, and mx.dep.no as the receiving server."""
    registry = load_registry()
    owners = conventional_domains(registry)
    registry = tuple(replace(m, domains=tuple(d for d, n in owners.items() if m.number in n))
                     for m in registry)
    return Analyser(registry, invited=frozenset(m.number for m in registry if m.invited),
                    deadline=deadline, authserv_ids=("mx.dep.no",), **options)


@pytest.fixture(scope="session")
def registry() -> tuple[Municipality, ...]:
    return load_registry()


@pytest.fixture(scope="session")
def index(registry) -> NameIndex:
    return NameIndex(registry)
