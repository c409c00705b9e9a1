"""Outgoing mail rendered from templates: acknowledgements, reminders, late notices.

Template files
--------------
Packaged in ``templates/mail/`` (package data of the ``templates`` package). A deployment
may pass ``override_dir``: a file there replaces the packaged file with the same name;
everything not overridden still comes from the package. Per template ``<name>`` and
language ``<lang>`` (``nb`` Bokmål, ``nn`` Nynorsk):

- ``<name>.<lang>.txt`` (required): the plain text part. It defines two blocks,
  ``{% block subject %}`` and ``{% block body %}``, each rendered on its own; text outside
  them is ignored. The subject is flattened to one header-safe line (control characters
  such as CR and LF become spaces, whitespace runs one space); the body loses trailing
  blanks per line and runs of empty lines, and ends with exactly one newline.
- ``<name>.<lang>.html`` (optional): the HTML alternative, rendered whole, autoescaped.

Partials: a file whose name starts with ``_`` is a piece the templates share, not a mail;
``names()`` does not list it and ``render()`` refuses it as a template name. Each language
keeps its own wording:

- ``_layout.<lang>.html``: the HTML skeleton (doctype, head, greeting, where to ask,
  sign-off) the ``.html`` templates ``{% extends %}``, filling ``{% block title %}`` and
  ``{% block content %}``.
- ``_parts.<lang>.txt`` and ``_parts.<lang>.html``: macros (``greeting`` in text only,
  ``signers``, ``receipt`` for the receipt details, ``closing`` for where to ask and the
  sign-off), taking what they print as arguments:
  ``{% import "_parts.nb.txt" as parts %}`` then ``{{ parts.receipt(submission) }}``. A
  text template imports inside ``{% block body %}``, since each block is rendered on its
  own and does not see a top-level import.

An override of a partial takes effect in every template that uses it; it must keep the
blocks and macros (with their arguments) the templates call.

Packaged names: ``ack_signed``, ``ack_decline``, ``ack_review``, ``reminder``,
``late_notice``; all have text in both languages, the three ``ack_*`` also HTML.

Filters: ``{{ d | dato }}`` "1. juli 2020" (a date, or an aware datetime converted to the
campaign time zone first); ``{{ t | klokke }}`` "09:00"; ``{{ deadline | frist }}`` the
last full day before the deadline (2020-07-01T00:00+02:00 prints "30. juni 2020").

Context contract (``CONTEXT_KEYS``; a missing top-level key is a TemplateError, and
``StrictUndefined`` makes any other unknown name or missing nested key one too):

- every template: ``campaign_name`` (str), ``deadline`` (aware datetime), ``enquiries``
  (str, address for questions and for sending the declaration), ``sender_name`` (str),
  ``municipality``: dict ``number``, ``name``, ``display_name``, ``county``; ``None`` is
  allowed for ``ack_review`` and ``late_notice`` (sender not identified).
- ``ack_signed``, ``ack_decline``, ``ack_review``, ``late_notice``: ``submission``: dict
  ``id`` (int), ``received_at`` (aware datetime), ``subject`` (str), ``attachment`` (str
  or None), ``signers`` (list of dicts ``name``, ``title``; titles printed as given),
  ``signed_date`` (date or None), ``kind`` (``declaration``, ``council_decision``, ...).
- ``reminder``: ``step_days`` (int, this reminder step in days before the deadline),
  ``days_left`` (int), ``final`` (bool, the last step: more urgent wording).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from jinja2.sandbox import SandboxedEnvironment

LANGUAGES = ("nb", "nn")

# The same month names in Bokmål and Nynorsk, lower case as in running text.
MONTHS = ("januar", "februar", "mars", "april", "mai", "juni",
          "juli", "august", "september", "oktober", "november", "desember")

COMMON_KEYS = ("campaign_name", "deadline", "enquiries", "sender_name", "municipality")
CONTEXT_KEYS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "ack_signed": COMMON_KEYS + ("submission",),
    "ack_decline": COMMON_KEYS + ("submission",),
    "ack_review": COMMON_KEYS + ("submission",),
    "late_notice": COMMON_KEYS + ("submission",),
    "reminder": COMMON_KEYS + ("step_days", "days_left", "final"),
})

_PARTIAL_PREFIX = "_"
_TEXT_FILE = re.compile(rf"^(?P<name>[a-z][a-z0-9_]*)\.(?:{'|'.join(LANGUAGES)})\.txt$")
_LANGUAGE_FORMS = {"bokmål": "nb", "nynorsk": "nn"}  # registry values; "nøytral" has none
# A deadline at 00:00 means "by the end of the day before": one second back lands there.
_ONE_SECOND = dt.timedelta(seconds=1)


class TemplateError(Exception):
    """A mail template is missing, broken, or did not get what it needs."""

    def __init__(self, name: str, lang: str, problem: str) -> None:
        self.name, self.lang, self.problem = name, lang, problem
        super().__init__(f"mail template {name!r} ({lang}): {problem}")


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str | None


def language_for(language_form: str, neutral_default: str = "nb") -> str:
    """The mail language for a registry ``language_form``; neutral or unknown forms get
    ``neutral_default``."""
    if neutral_default not in LANGUAGES:
        raise ValueError(f"neutral_default must be one of {', '.join(LANGUAGES)}, not {neutral_default!r}")
    form = unicodedata.normalize("NFC", language_form or "").strip().casefold()
    return _LANGUAGE_FORMS.get(form, neutral_default)


# --- date filters (pure; the time zone is bound by make_environment) ---------------------

def _local(value: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    if value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()}: mail needs time-zone-aware times")
    return value.astimezone(tz)


def norwegian_date(value: dt.date, tz: ZoneInfo) -> str:
    """``1. juli 2020``; a datetime is converted to ``tz`` before its date is taken."""
    if isinstance(value, dt.datetime):
        value = _local(value, tz).date()
    elif not isinstance(value, dt.date):
        raise TypeError(f"dato needs a date or datetime, not {type(value).__name__}")
    return f"{value.day}. {MONTHS[value.month - 1]} {value.year}"


def clock_time(value: dt.datetime, tz: ZoneInfo) -> str:
    """``09:00`` in ``tz``."""
    if not isinstance(value, dt.datetime):
        raise TypeError(f"klokke needs a datetime, not {type(value).__name__}")
    return _local(value, tz).strftime("%H:%M")


def last_full_day(deadline: dt.datetime, tz: ZoneInfo) -> str:
    """The date people mean by a deadline: 2020-07-01T00:00 local is "30. juni 2020"."""
    if not isinstance(deadline, dt.datetime):
        raise TypeError(f"frist needs a datetime, not {type(deadline).__name__}")
    return norwegian_date(_local(deadline, tz) - _ONE_SECOND, tz)


# --- the environment --------------------------------------------------------------------

def packaged_dir() -> Path:
    """``templates/mail`` of the installed package (a wheel installs it as plain files)."""
    mail_dir = files("templates") / "mail"
    if not isinstance(mail_dir, Path):  # a zipped install: FileSystemLoader needs real files
        raise RuntimeError(f"packaged mail templates are not plain files: {mail_dir}")
    return mail_dir


def make_environment(*, timezone: ZoneInfo, override_dir: Path | None = None) -> SandboxedEnvironment:
    """The one Jinja environment for mail: sandboxed (templates are deployment data),
    strict about undefined names, autoescaping ``.html`` only."""
    search = [packaged_dir()]
    if override_dir is not None:
        if not Path(override_dir).is_dir():  # FileSystemLoader would silently skip a typo
            raise ValueError(f"mail template override directory {override_dir} is not a directory")
        search.insert(0, Path(override_dir))
    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(search),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False,
                                            default=False),
        trim_blocks=True,  # a line holding only a tag leaves no empty line in plain text
        lstrip_blocks=True,
    )
    env.filters.update(
        dato=_filter(norwegian_date, timezone),
        klokke=_filter(clock_time, timezone),
        frist=_filter(last_full_day, timezone),
    )
    return env


def _filter(format_value: Callable[[Any, ZoneInfo], str], tz: ZoneInfo) -> Callable[[Any], str]:
    def apply(value: Any) -> str:
        if isinstance(value, jinja2.Undefined):
            str(value)  # StrictUndefined raises here, naming the missing variable
        return format_value(value, tz)
    return apply


# --- rendering --------------------------------------------------------------------------

def _one_line(value: str) -> str:
    """Header-safe: control characters (CR, LF, NUL, ...) become spaces, format characters
    (zero-width, bidi overrides) go, whitespace runs become one space."""
    out = []
    for ch in value:
        category = unicodedata.category(ch)
        if category == "Cc":
            out.append(" ")
        elif not category.startswith("C"):
            out.append(ch)
    return " ".join("".join(out).split())


def _tidy_text(value: str) -> str:
    lines = "\n".join(line.rstrip() for line in value.splitlines()).strip()
    return re.sub(r"\n{3,}", "\n\n", lines) + "\n"


def _render_block(template: jinja2.Template, block: str, values: dict[str, Any]) -> str:
    render = template.blocks.get(block)
    if render is None:
        raise LookupError(f"{template.name} has no {{% block {block} %}}")
    return "".join(render(template.new_context(values)))


def _describe(err: Exception) -> str:
    return f"{type(err).__name__}: {' '.join(str(err).split())}"


class MailTemplates:
    """Renders the packaged (or overridden) mail templates in the campaign time zone."""

    languages = LANGUAGES

    def __init__(self, *, timezone: ZoneInfo, override_dir: Path | None = None) -> None:
        self.timezone = timezone
        self._env = make_environment(timezone=timezone, override_dir=override_dir)

    def names(self) -> list[str]:
        """Template names with a text part in at least one language; partials (``_*``) are
        not templates."""
        found = {m["name"] for path in self._env.list_templates()
                 if not path.startswith(_PARTIAL_PREFIX) and (m := _TEXT_FILE.match(path))}
        return sorted(found)

    def render(self, name: str, lang: str, context: Mapping[str, Any]) -> RenderedMail:
        if name.startswith(_PARTIAL_PREFIX):
            raise TemplateError(name, lang, "a partial (name starting with _), not a mail template")
        if lang not in LANGUAGES:
            raise TemplateError(name, lang, f"unknown language, expected one of {', '.join(LANGUAGES)}")
        missing = [key for key in CONTEXT_KEYS.get(name, COMMON_KEYS) if key not in context]
        if missing:
            raise TemplateError(name, lang, f"context lacks {', '.join(missing)}")
        text_template = self._load(name, lang, "txt")
        if text_template is None:
            raise TemplateError(name, lang, f"no template {name}.{lang}.txt")
        html_template = self._load(name, lang, "html")
        values = dict(context)
        try:
            subject = _render_block(text_template, "subject", values)
            body = _render_block(text_template, "body", values)
            html = html_template.render(values) if html_template is not None else None
        # Templates are data a deployment can edit: whatever fails inside one (undefined
        # name, sandbox refusal, a filter given None) is a defect of that template.
        except Exception as err:
            raise TemplateError(name, lang, _describe(err)) from err
        return RenderedMail(subject=_one_line(subject), text=_tidy_text(body),
                            html=html.strip() + "\n" if html is not None else None)

    def _load(self, name: str, lang: str, extension: str) -> jinja2.Template | None:
        try:
            return self._env.get_template(f"{name}.{lang}.{extension}")
        except jinja2.TemplateNotFound:  # only this file: includes are resolved when rendering
            return None
        except jinja2.TemplateSyntaxError as err:
            raise TemplateError(name, lang, _describe(err)) from err
