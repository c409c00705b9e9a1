"""The campaign as data: who is invited, which domains are whose, the deadline.

Built once per command from the configuration and the registry in the database, and
handed to the pure parsers as plain values.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Sequence

from intake.config import Config
from parsers.municipalities import conventional_domains
from parsers.types import Municipality


@dataclass(frozen=True)
class Campaign:
    municipalities: tuple[Municipality, ...]
    invited: frozenset[str]
    deadline: dt.datetime
    thresholds: tuple[float, ...]
    records: tuple = ()

    def by_number(self) -> dict[str, Municipality]:
        return {m.number: m for m in self.municipalities}


def invited_numbers(cfg: Config, records: Sequence) -> frozenset[str]:
    setting = cfg["campaign.invited"]
    if setting == "outside-midt-norge":
        return frozenset(r.number for r in records if r.invited_default)
    known = {r.number for r in records}
    return frozenset(n for n in setting if n in known)


# A contact at a public mail provider must not make every user of that provider look
# like the municipality, so such domains are never trusted as a municipality's own.
PUBLIC_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "hotmail.com", "hotmail.no", "outlook.com", "live.com",
    "live.no", "msn.com", "yahoo.com", "yahoo.no", "icloud.com", "me.com", "online.no",
    "frisurf.no", "start.no", "getmail.no", "broadpark.no", "altibox.no", "lyse.net",
    "c2i.net", "telia.no", "protonmail.com", "proton.me", "gmx.com", "aol.com",
})


def _email_domain(address: str) -> str:
    domain = address.rsplit("@", 1)[1].lower() if "@" in address else ""
    return "" if domain in PUBLIC_MAIL_DOMAINS else domain


def domains_by_number(municipalities: Sequence[Municipality]) -> dict[str, set[str]]:
    """Conventional domains per municipality (``conventional_domains`` maps the other way)."""
    out: dict[str, set[str]] = {}
    for domain, numbers in conventional_domains(municipalities).items():
        for number in numbers:
            out.setdefault(number, set()).add(domain)
    return out


def build_campaign(cfg: Config, records: Sequence) -> Campaign:
    """Registry records (storage.repo.municipality_rows) -> parser-ready municipalities.

    Trusted mail domains are the conventional ``<name>.kommune.no`` (only where the name
    is unambiguous), the domains of imported contact addresses and imported extra domains.
    """
    invited = invited_numbers(cfg, records)
    bare = [
        Municipality(number=r.number, name=r.name, display_name=r.display_name, county=r.county,
                     population=r.population, invited=r.number in invited,
                     language_form=r.language_form, aliases=tuple(r.aliases))
        for r in records
    ]
    derived = domains_by_number(bare)
    municipalities = []
    for m, r in zip(bare, records):
        domains = set(derived.get(m.number, ()))
        domains.update(_email_domain(email) for email, _role in r.contacts)
        domains.update(d.lower() for d in r.domains if d.lower() not in PUBLIC_MAIL_DOMAINS)
        domains.discard("")
        municipalities.append(replace(m, domains=tuple(sorted(domains))))
    return Campaign(municipalities=tuple(municipalities), invited=invited,
                    deadline=cfg.deadline, thresholds=cfg["campaign.thresholds"],
                    records=tuple(records))
