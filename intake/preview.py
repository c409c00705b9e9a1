"""``templates preview``: a mail as a municipality would get it, from sample values."""
from __future__ import annotations

import datetime as dt

from intake.app import App, UsageError
from intake.mailtemplates import TemplateError
from intake.notify import Notifier
from storage.db import session_scope
from storage.models import Municipality


def preview(app: App, notifier: Notifier, name: str, number: str, lang: str | None) -> str:
    templates = notifier.templates
    if name not in templates.names():
        raise UsageError(f"templates preview: unknown template {name!r} "
                         f"(there are: {', '.join(templates.names())})")
    with session_scope(app.sessions) as s:
        muni = s.get(Municipality, number)
        if muni is None:
            raise UsageError(f"--municipality: no municipality with number {number!r}")
        language = lang or notifier.language(muni)
        context = notifier.common_context(s, muni)
    now = app.now()
    context |= {
        "submission": {"id": 1, "received_at": now, "subject": "Intensjonserklæring Akson",
                       "attachment": "intensjonserklaering_signert.pdf",
                       "signers": [{"name": "Kari Nordmann", "title": "ordfører"}],
                       "signed_date": now.date() - dt.timedelta(days=1), "kind": "declaration"},
        "step_days": 7, "days_left": 7, "final": False,
    }
    try:
        mail = templates.render(name, language, context)
    except TemplateError as err:
        raise UsageError(str(err)) from err
    out = [f"Subject: {mail.subject}", f"Language: {language}", "", mail.text.rstrip()]
    if mail.html:
        out += ["", "--- HTML alternative ---", mail.html.rstrip()]
    return "\n".join(out)
