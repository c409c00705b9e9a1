"""The seed corpus for fuzzing: a few messages of each shape the intake meets, made by
the sample factory (deterministic; nothing read from disk)."""
from __future__ import annotations

from functools import lru_cache

from intake.samples import build_campaign
from parsers.municipalities import conventional_domains
from tests.parsers.conftest import load_registry

# Enough messages to cover the factory's shapes (PDF, Word, zip, scans, forwards,
# auto-replies, declines); more only slows the seeding down.
SEED_MESSAGES = 24


@lru_cache(maxsize=1)
def seed_corpus() -> tuple[bytes, ...]:
    import datetime as dt
    registry = load_registry()
    domain_of = {number: domain for domain, numbers in conventional_domains(registry).items()
                 for number in numbers}
    municipalities = [{"number": m.number, "name": m.name, "county": m.county, "invited": m.invited,
                       "language_form": m.language_form, "domain": domain_of[m.number]}
                      for m in registry if m.number in domain_of]
    start = dt.datetime(2020, 5, 6, 8, 0, tzinfo=dt.timezone.utc)
    samples = build_campaign(municipalities, seed=6, count=SEED_MESSAGES, start=start,
                             end=start + dt.timedelta(days=40))
    return tuple(s.raw for s in samples)
