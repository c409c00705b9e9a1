"""Small helpers shared by the storage tests."""

from __future__ import annotations

from datetime import datetime


def at(iso: str) -> datetime:
    """A time-zone-aware datetime from ISO 8601 with an offset (naive input is a bug)."""
    value = datetime.fromisoformat(iso)
    assert value.tzinfo is not None, iso
    return value
