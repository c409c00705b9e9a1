"""The application object: configuration, database and campaign, built once per command."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from intake.campaign import Campaign, build_campaign
from intake.clock import parse_now, wall_clock
from intake.config import Config, ConfigError, load_config
from storage import repo, schema
from storage.db import make_engine, make_session_factory, session_scope
from storage.errors import StorageError


class AppError(Exception):
    """A runtime failure reported to the user in one line (exit status 1)."""


class UsageError(Exception):
    """A wrong argument reported to the user in one line (exit status 2)."""


@dataclass
class App:
    config: Config

    @classmethod
    def from_config_path(cls, path: str | None) -> "App":
        return cls(load_config(path))

    @cached_property
    def engine(self):
        try:
            return make_engine(self.config.database_url)
        except StorageError as err:
            raise ConfigError("database.url", str(err)) from err

    @cached_property
    def sessions(self):
        return make_session_factory(self.engine)

    def check_schema(self) -> None:
        """Refuse to work on a database that was not created or migrated by this version."""
        current, head = schema.current_revision(self.engine), schema.head_revision()
        if current is None:
            raise AppError("the database has no schema yet: run 'akson-intake db upgrade' first")
        if current != head:
            raise AppError(f"the database schema is at {current}, this version needs {head}: "
                           "run 'akson-intake db upgrade'")

    def campaign(self) -> Campaign:
        """Read fresh each time: contacts and domains change while the worker runs."""
        with session_scope(self.sessions) as s:
            records = repo.municipality_rows(s)
        if not records:
            raise AppError("the database has no municipality registry: run 'akson-intake db upgrade' first")
        return build_campaign(self.config, records)

    def now(self, text: str | None = None) -> dt.datetime:
        try:
            fixed = parse_now(text, self.config.tz)
        except ValueError as err:
            raise UsageError(f"--now: expected an ISO 8601 date-time, got {text!r}") from err
        return fixed or wall_clock(self.config.tz)

    def clock(self, text: str | None = None):
        """A zero-argument clock: fixed when --now is given, the wall clock otherwise."""
        fixed = self.now(text) if text else None
        tz = self.config.tz
        return (lambda: fixed) if fixed else (lambda: wall_clock(tz))

    @cached_property
    def trust_roots(self) -> tuple:
        """The certificates of ``signatures.trust_roots``, read once and checked."""
        from parsers.signature import TrustRootError, parse_trust_roots
        roots: list = []
        for name in self.config["signatures.trust_roots"]:
            path = self.config.base_dir / name
            try:
                roots += parse_trust_roots(path.read_bytes())
            except OSError as err:
                raise ConfigError("signatures.trust_roots", f"cannot read {path}: {err.strerror}") from err
            except TrustRootError as err:
                raise ConfigError("signatures.trust_roots", f"{path}: {err}") from err
        return tuple(roots)

    @cached_property
    def ocr(self):
        """The OCR callable (Tesseract) the configuration asks for, or None when off."""
        from intake.ocr import build_ocr
        return build_ocr(self.config)

    def own_addresses(self) -> frozenset[str]:
        from email.utils import parseaddr
        address = parseaddr(self.config["smtp.from"])[1].lower()
        return frozenset({address}) if address else frozenset()

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()
