"""Configuration: one declared table of settings, validated once at start-up.

Every key of interface.md is declared here with its default (suited to the embedded
mode), its type and a line of help. ``load_config`` reads TOML, rejects unknown keys and
wrong types with a ``ConfigError`` that names the key and what was expected, resolves
``*_env`` secrets, and returns a frozen ``Config``. The CLI turns a ``ConfigError`` into
one line and exit status 2.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ConfigError(Exception):
    """A configuration value is missing, unknown or malformed."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(f"config: {key}: {message}")


@dataclass(frozen=True)
class Setting:
    section: str
    name: str
    default: Any
    help: str
    check: Callable[[str, Any], Any]

    @property
    def key(self) -> str:
        return f"{self.section}.{self.name}"


# --------------------------------------------------------------- value checks

def _string(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(key, f"expected a string, got {type(value).__name__}")
    return value


def _int_range(low: int, high: int) -> Callable[[str, Any], int]:
    def check(key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(key, f"expected an integer, got {type(value).__name__}")
        if not low <= value <= high:
            raise ConfigError(key, f"expected an integer from {low} to {high}, got {value}")
        return value
    return check


def _number_range(low: float, high: float) -> Callable[[str, Any], float]:
    def check(key: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(key, f"expected a number, got {type(value).__name__}")
        if not low <= value <= high:
            raise ConfigError(key, f"expected a number from {low} to {high}, got {value}")
        return float(value)
    return check


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(key, f"expected true or false, got {value!r}")
    return value


def _aware_datetime(key: str, value: Any) -> dt.datetime:
    # TOML offset date-times arrive as datetime; strings are accepted too.
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError as err:
            raise ConfigError(key, f"expected an ISO 8601 date-time with offset, got {value!r}") from err
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise ConfigError(key, "expected an ISO 8601 date-time with an offset, e.g. 2020-07-01T00:00:00+02:00")
    return value


def _timezone(key: str, value: Any) -> str:
    _string(key, value)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ConfigError(key, f"unknown time zone {value!r} (expected e.g. Europe/Oslo)") from err
    return value


_NUMBER = re.compile(r"^\d{4}$")


def _invited(key: str, value: Any) -> str | tuple[str, ...]:
    if value == "outside-midt-norge":
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) and _NUMBER.match(v) for v in value):
        return tuple(value)
    raise ConfigError(key, 'expected "outside-midt-norge" or a list of 4-digit kommunenummer strings')


def _thresholds(key: str, value: Any) -> tuple[float, ...]:
    if not isinstance(value, list) or not value:
        raise ConfigError(key, "expected a non-empty list of shares between 0 and 1, e.g. [0.5, 0.55]")
    out = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (int, float)) or not 0 < item <= 1:
            raise ConfigError(key, f"expected shares between 0 and 1, got {item!r}")
        out.append(float(item))
    return tuple(sorted(out))


def _url(*schemes: str) -> Callable[[str, Any], str]:
    def check(key: str, value: Any) -> str:
        _string(key, value)
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in schemes:
            raise ConfigError(key, f"expected a URL starting with {' or '.join(s + '://' for s in schemes)}, got {value!r}")
        return value
    return check


def _db_url(key: str, value: Any) -> str:
    _string(key, value)
    if not re.match(r"^(sqlite|postgresql(\+psycopg)?)://", value):
        raise ConfigError(key, f"expected sqlite:///PATH or postgresql+psycopg://..., got {value!r}")
    return value


def _days(key: str, value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 365 for v in value):
        raise ConfigError(key, "expected a list of whole days before the deadline, e.g. [21, 7, 2]")
    return tuple(sorted(set(value), reverse=True))


def _clock_time(key: str, value: Any) -> str:
    _string(key, value)
    if not re.match(r"^([01]\d|2[0-3]):[0-5]\d$", value):
        raise ConfigError(key, f"expected a time of day as HH:MM, got {value!r}")
    return value


def _string_list(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(key, "expected a list of strings")
    return tuple(value)


def _one_of(*choices: str) -> Callable[[str, Any], str]:
    def check(key: str, value: Any) -> str:
        if value not in choices:
            raise ConfigError(key, f"expected one of {', '.join(choices)}, got {value!r}")
        return value
    return check


def _env_name(key: str, value: Any) -> str:
    _string(key, value)
    if value and not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", value):
        raise ConfigError(key, f"expected an environment variable name, got {value!r}")
    return value



def _intermediaries(key: str, value: Any) -> dict[str, tuple[str, ...]]:
    """A table: mail domain -> list of kommunenummer it sends for, or ["*"] for all."""
    if not isinstance(value, dict):
        raise ConfigError(key, 'expected a table such as { "ikt.example.no" = ["3446", "3447"] }')
    out = {}
    for domain, numbers in value.items():
        if not re.match(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$", domain.lower()):
            raise ConfigError(f"{key}.{domain}", "expected a mail domain such as ikt.example.no")
        if not isinstance(numbers, list) or not numbers or not all(
                isinstance(n, str) and (n == "*" or re.match(r"^\d{4}$", n)) for n in numbers):
            raise ConfigError(f"{key}.{domain}", 'expected a list of 4-digit kommunenummer or ["*"]')
        out[domain.lower()] = tuple(numbers)
    return out


def _ocr_languages(key: str, value: Any) -> str:
    _string(key, value)
    if not re.match(r"^[a-z_]{3,}(\+[a-z_]{3,})*$", value):
        raise ConfigError(key, f'expected Tesseract language codes joined by +, e.g. "nor+eng", got {value!r}')
    return value


def _networks(key: str, value: Any) -> tuple[str, ...]:
    import ipaddress
    items = _string_list(key, value)
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError as err:
            raise ConfigError(key, f"expected IP addresses or networks such as 127.0.0.1 or 10.0.0.0/8, got {item!r}") from err
    return items


def _header_name(key: str, value: Any) -> str:
    _string(key, value)
    if value and not re.match(r"^[A-Za-z0-9-]+$", value):
        raise ConfigError(key, f"expected an HTTP header name such as X-Remote-User, got {value!r}")
    return value


# ------------------------------------------------------------- the declaration

SETTINGS: tuple[Setting, ...] = (
    Setting("campaign", "name", "Akson – intensjonserklæring", "Campaign name shown in mail and the web UI.", _string),
    Setting("campaign", "deadline", "2020-07-01T00:00:00+02:00", "Submissions received after this are recorded as late.", _aware_datetime),
    Setting("campaign", "timezone", "Europe/Oslo", "Time zone of the campaign clock (reminder times, dates shown).", _timezone),
    Setting("campaign", "invited", "outside-midt-norge", 'Invited municipalities: "outside-midt-norge" or a list of kommunenummer.', _invited),
    Setting("campaign", "thresholds", [0.5, 0.55], "Population shares that status reports as met or not.", _thresholds),
    Setting("mailbox", "url", "maildir://./var/inbox", "maildir://PATH, imap://HOST:PORT/FOLDER (STARTTLS unless loopback) or imaps://HOST:PORT/FOLDER.", _url("maildir", "imap", "imaps")),
    Setting("mailbox", "username", "", "IMAP login name.", _string),
    Setting("mailbox", "password", "", "IMAP password (prefer password_env).", _string),
    Setting("mailbox", "password_env", "", "Environment variable holding the IMAP password.", _env_name),
    Setting("mailbox", "oauth2_token_env", "", "Environment variable holding an XOAUTH2 access token (Microsoft 365).", _env_name),
    Setting("mailbox", "oauth2_token_command", [], "Command (argv list) that prints an XOAUTH2 access token.", _string_list),
    Setting("mailbox", "processed_folder", "", "IMAP: move handled mail here when set.", _string),
    Setting("mailbox", "authserv_id", "", "authserv-id of our receiving server; only its Authentication-Results are trusted as a pass.", _string),
    Setting("senders", "intermediaries", {}, 'Domains that send on behalf of municipalities (IT services, archive systems, KS): { "domain" = ["kommunenummer", ...] }, ["*"] for all.', _intermediaries),
    Setting("signatures", "trust_roots", [], "PEM files of the CA certificates a PDF signature must chain to (production: Buypass, Commfides); empty trusts none.", _string_list),
    Setting("mailbox", "poll_interval_seconds", 60, "Seconds between polls for the worker.", _int_range(5, 86400)),
    Setting("mailbox", "timeout_seconds", 30, "Network timeout for the mailbox server.", _int_range(1, 600)),
    Setting("mailbox", "idle", True, "IMAP: wait for new mail with IDLE where the server offers it (polling stays as the fallback).", _bool),
    # RFC 3501 lets a server drop a client idle for 30 minutes; RFC 2177 asks clients to
    # re-issue IDLE at least every 29. 25 leaves room for a slow network.
    Setting("mailbox", "idle_timeout_seconds", 1500, "Re-issue IDLE after this many seconds (below the server's 30-minute limit).", _int_range(1, 1740)),
    Setting("database", "url", "sqlite:///./var/akson-intake.db", "sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB.", _db_url),
    Setting("smtp", "url", "maildir://./var/outbox", "maildir://PATH, smtp://, smtp+starttls:// or smtps://HOST:PORT.", _url("maildir", "smtp", "smtp+starttls", "smtps")),
    Setting("smtp", "username", "", "SMTP login name.", _string),
    Setting("smtp", "password", "", "SMTP password (prefer password_env).", _string),
    Setting("smtp", "password_env", "", "Environment variable holding the SMTP password.", _env_name),
    Setting("smtp", "from", "Helse- og omsorgsdepartementet <akson@hod.dep.no>", "From header of outgoing mail.", _string),
    Setting("smtp", "timeout_seconds", 30, "Network timeout for the SMTP server.", _int_range(1, 600)),
    Setting("outbox", "neutral_language", "nb", 'Language of mail to municipalities whose language form is "nøytral": nb or nn.', _one_of("nb", "nn")),
    Setting("outbox", "copy_official_address", True, "Send acknowledgements also to the municipality's official address.", _bool),
    Setting("outbox", "max_per_recipient_per_day", 3, "At most this many mails to one address per day (campaign time zone); more waits for staff.", _int_range(1, 1000)),
    Setting("outbox", "enquiries", "", "Address named in mail for questions (empty: the From address).", _string),
    Setting("outbox", "template_dir", "", "Folder with templates that replace the packaged ones of the same name.", _string),
    Setting("outbox", "max_attempts", 8, "Attempts before a mail that keeps failing temporarily is marked failed.", _int_range(1, 100)),
    Setting("outbox", "retry_base_seconds", 60, "First retry delay; doubles with each attempt (with jitter), at most an hour.", _int_range(1, 3600)),
    Setting("outbox", "send_interval_seconds", 30, "Seconds between looks at the outbox (mail queued by a poll is sent at once).", _int_range(1, 3600)),
    Setting("outbox", "stale_after_seconds", 600, "A mail left 'sending' by a dead worker for this long is sent again (same Message-ID).", _int_range(1, 86400)),
    Setting("reminders", "days_before_deadline", [21, 7, 2], "Reminder steps, in days before the deadline.", _days),
    Setting("reminders", "send_time", "09:00", "Time of day (campaign time zone) reminders go out.", _clock_time),
    Setting("worker", "processing_lease_seconds", 900, "A message a worker claimed is taken up by another after this many seconds without a result.", _int_range(1, 86400)),
    Setting("worker", "retry_first_seconds", 30, "After a failed poll or an unusable SMTP server, wait this long; doubles per failure up to an hour.", _int_range(1, 3600)),
    Setting("web", "host", "127.0.0.1", "Address the web UI listens on.", _string),
    Setting("web", "port", 8080, "Port the web UI listens on.", _int_range(1, 65535)),
    Setting("web", "secure_cookies", False, "Mark session cookies Secure: set true when the UI is reached over HTTPS (behind a TLS proxy).", _bool),
    Setting("web", "session_hours", 12, "A login lasts this many hours (a working day), then the user logs in again.", _int_range(1, 24 * 30)),
    Setting("web", "trusted_proxies", [], "Addresses or networks (CIDR) of an authenticating reverse proxy whose user header is believed.", _networks),
    Setting("web", "user_header", "", "Header carrying the user name set by that proxy, e.g. X-Remote-User (empty: not used).", _header_name),
    Setting("ocr", "enabled", True, "Read scans and photos with Tesseract; off: they go to review as no_text_layer.", _bool),
    Setting("ocr", "languages", "nor+eng", "Tesseract languages joined by +: pages are read in the first; all together only where it reads poorly.", _ocr_languages),
    Setting("ocr", "max_pages", 10, "Pages of one document read by OCR at most; the rest is noted for staff.", _int_range(1, 200)),
    Setting("ocr", "timeout_seconds", 30, "Seconds Tesseract may spend on one page before it is stopped.", _int_range(5, 600)),
    Setting("ocr", "dpi", 300, "Resolution PDF pages are rendered at for OCR; pages larger than A4 get less.", _int_range(100, 600)),
)

_BY_KEY = {s.key: s for s in SETTINGS}


@dataclass(frozen=True)
class Config:
    """Validated settings. ``values`` maps "section.name" to the checked value."""

    values: dict[str, Any]
    source: Path | None
    base_dir: Path

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def deadline(self) -> dt.datetime:
        return self.values["campaign.deadline"]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.values["campaign.timezone"])

    def secret(self, section: str, name: str) -> str:
        """A secret from ``<name>_env`` when set, else the literal value."""
        env = self.values.get(f"{section}.{name}_env", "")
        if env:
            value = os.environ.get(env)
            if value is None:
                raise ConfigError(f"{section}.{name}_env", f"environment variable {env} is not set")
            return value
        return self.values[f"{section}.{name}"]

    def local_path(self, url: str) -> Path:
        """The path of a maildir:// or sqlite:/// URL, relative paths against the config's folder."""
        path = url.split("://", 1)[1]
        if url.startswith("sqlite"):
            path = path[1:] if path.startswith("/") else path
        p = Path(path)
        return p if p.is_absolute() else (self.base_dir / p)

    @property
    def database_url(self) -> str:
        url = self.values["database.url"]
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            return "sqlite:///" + str(self.local_path(url))
        return url


def defaults() -> dict[str, Any]:
    return {s.key: s.check(s.key, s.default) for s in SETTINGS}


def parse_config(data: dict[str, Any], *, source: Path | None = None, base_dir: Path | None = None) -> Config:
    values = defaults()
    for section, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(section, "expected a [section] table")
        for name, value in table.items():
            key = f"{section}.{name}"
            setting = _BY_KEY.get(key)
            if setting is None:
                raise ConfigError(key, "unknown key (see config.example.toml for the keys there are)")
            values[key] = setting.check(key, value)
    return Config(values=values, source=source, base_dir=base_dir or Path.cwd())


def load_config(path: str | os.PathLike[str] | None) -> Config:
    """Read and validate the configuration.

    ``path`` None means: ``$AKSON_INTAKE_CONFIG``, else ``./config.toml``; a missing
    default file gives the embedded defaults, a missing explicit file is an error.
    """
    explicit = path is not None or "AKSON_INTAKE_CONFIG" in os.environ
    chosen = Path(path or os.environ.get("AKSON_INTAKE_CONFIG") or "config.toml")
    if not chosen.exists():
        if explicit:
            raise ConfigError("--config", f"file not found: {chosen}")
        return parse_config({}, base_dir=Path.cwd())
    try:
        data = tomllib.loads(chosen.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError("--config", f"{chosen} is not valid TOML: {err}") from err
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError("--config", f"cannot read {chosen}: {err}") from err
    return parse_config(data, source=chosen, base_dir=chosen.resolve().parent)
