"""Municipality pages: the list (``/kommuner``) and one municipality (``/kommuner/NNNN``).

A municipality's page shows its status, every submission, every mail we sent it (from the
outbox, with delivery failures and bounces), its contacts and mail domains, and the
audit entries about it. Reviewers edit contacts and extra domains with the rules of
``municipalities import``: the form becomes a one-line import file and goes through
``storage.contacts.import_contacts``, so the web cannot accept what the import refuses.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Route

from intake import reporting
from intake.web import chart, common
from storage import contacts, outbox, repo, submissions
from storage.errors import ContactImportError

nav = ("Kommuner", "/kommuner")

STATUS_TEXT = {"signed": "Signert", "declined": "Takket nei", "pending_review": "Venter på gjennomgang",
               "no_response": "Ikke svart", "not_invited": "Ikke invitert"}
SUBMISSION_STATUS = {"accepted": "Godkjent", "needs_review": "Til gjennomgang", "rejected": "Avvist",
                     "ignored": "Oversett"}
KIND_TEXT = {"declaration": "Intensjonserklæring", "council_decision": "Vedtak", "decline": "Nei takk",
             "question": "Spørsmål", "auto_reply": "Autosvar", "other": "Annet"}
PURPOSE_TEXT = {"ack": "Kvittering", "reminder": "Påminnelse"}
MAIL_STATE = {"queued": "I kø", "sending": "Sendes", "sent": "Sendt", "failed": "Feilet"}
# The import's reasons for refusing an address or domain (storage.contacts), in Bokmål.
REASONS_NB = {
    "line break in address": "linjeskift i adressen",
    "give a bare address (no display name, no spaces)": "skriv bare adressen, uten navn og mellomrom",
    "an address needs exactly one '@'": "en adresse må ha nøyaktig én @",
    "malformed local part": "ugyldige tegn før @",
    "address too long": "adressen er for lang",
    "empty domain": "domenet mangler",
    "give a domain, not an address": "skriv et domene, ikke en adresse",
    "not a valid internationalised domain": "ugyldig domene med æ, ø eller å",
    "a domain needs at least two labels": "et domene trenger minst to ledd, f.eks. gran.kommune.no",
    "malformed domain": "ugyldig domene",
}
# Audit actions in words; an action not listed is shown as recorded.
ACTION_TEXT = {"decided:accepted": "Godkjent automatisk", "decided:needs_review": "Satt til gjennomgang",
               "decided:rejected": "Avvist automatisk", "decided:ignored": "Oversett automatisk",
               "accepted": "Godkjent av saksbehandler", "rejected": "Avvist av saksbehandler",
               "contacts_edited": "Kontakter endret", "outbox_retry": "E-post prøvd igjen"}
FIELD_OF = (("email", "email"), ("malformed email", "email"), ("cc", "cc"), ("malformed cc", "cc"),
            ("malformed domain", "domains"))
FIELD_TEXT = {"email": "Offisiell adresse", "cc": "Kopi til", "domains": "Ekstra domener"}
_NUMBER = re.compile(r"^\d{4}$")
# "malformed cc address 'x@y': reason" / "malformed domain 'z': reason" (the value is a repr)
_QUOTED = re.compile(r"^malformed [a-z]+(?: address)? (['\"])(.*)\1: ")
# A form bigger than this is not someone typing addresses.
MAX_FIELD = 4000


@dataclass(frozen=True)
class ContactForm:
    email: str
    cc: str
    domains: str


def _record(s, number: str):
    record = next((r for r in repo.municipality_rows(s) if r.number == number), None)
    if record is None:
        raise HTTPException(404, f"Ingen kommune med nummer {number}.")
    return record


def list_page(request: Request):
    common.require_role(request, "viewer")
    app = common.ctx(request).app
    rows = reporting.export_municipalities(app)
    query = request.query_params.get("q", "").strip()[:100]
    status = request.query_params.get("status", "")
    if query:
        rows = [r for r in rows if query.casefold() in r["name"].casefold() or r["number"].startswith(query)]
    if status in STATUS_TEXT:
        rows = [r for r in rows if r["status"] == status]
    return common.render(request, "web/municipalities.html", {
        "title": "Kommuner", "rows": rows, "q": query, "status": status,
        "statuses": [(k, v) for k, v in STATUS_TEXT.items() if k != "not_invited"], "status_text": STATUS_TEXT})


def _state(app, number: str) -> dict:
    found = next((r for r in reporting.export_municipalities(app) if r["number"] == number), None)
    if found:
        # The export writes times as ISO text; the page formats them in the campaign's zone.
        signed_at = found["signed_at"]
        return {**found, "signed_at": dt.datetime.fromisoformat(signed_at) if signed_at else None}
    return {"status": "not_invited", "signed_at": None, "signers": [], "reminders_sent": 0,
                     "bounced": None}


def _context(request: Request, number: str, form: ContactForm | None = None,
             errors: dict[str, str] | None = None) -> dict:
    web = common.ctx(request)
    with common.db(request) as s:
        record = _record(s, number)
        subs = submissions.for_municipality(s, number)
        mails = list(reversed(outbox.all_mail(s, municipality_number=number)))
        contact_rows = contacts.contacts_of(s, number)
        domain_rows = contacts.domains_of(s, number)
        audit = repo.audit_for_municipality(s, number)
    trusted = next((m.domains for m in web.app.campaign().municipalities if m.number == number), ())
    imported = [d.domain for d in domain_rows if d.source == "import"]
    if form is None:
        form = ContactForm(record.official_email or "", "\n".join(record.cc_emails), "\n".join(imported))
    return {
        "title": record.display_name, "m": record, "state": _state(web.app, number), "subs": subs,
        "mails": mails, "contacts": contact_rows, "trusted": trusted, "form": form, "errors": errors or {},
        "status_text": STATUS_TEXT, "submission_status": SUBMISSION_STATUS, "kind_text": KIND_TEXT,
        "purpose_text": PURPOSE_TEXT, "mail_state": MAIL_STATE, "field_text": FIELD_TEXT,
        "audit": audit, "action_text": ACTION_TEXT, "pct": chart.pct,
    }


def page(request: Request):
    common.require_role(request, "viewer")
    number = _number(request)
    return common.render(request, "web/municipality.html", _context(request, number))


def _number(request: Request) -> str:
    number = request.path_params["number"]
    if not _NUMBER.match(number):
        raise HTTPException(404, "Kommunenummer har fire sifre.")
    return number


def import_text(number: str, form: ContactForm) -> str:
    """The form as the one-line contacts file ``municipalities import`` reads."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["number", "email", "cc", "domains"])
    writer.writerow([number, form.email.strip(), ";".join(form.cc.split()), ";".join(form.domains.split())])
    return out.getvalue()


def explain(err: ContactImportError) -> tuple[str, str]:
    """(form field, Bokmål message) for the import's refusal."""
    message = err.message
    field = next((f for prefix, f in FIELD_OF if message.startswith(prefix)), "email")
    if message.endswith("is empty"):
        return field, "må fylles ut"
    quoted = _QUOTED.match(message)
    reason = message[quoted.end():] if quoted else message
    text = REASONS_NB.get(reason, reason)
    return field, f"«{quoted.group(2)}»: {text}" if quoted else text


async def save_contacts(request: Request):
    form = await common.checked_form(request)
    user = await run_in_threadpool(common.require_role, request, "reviewer")
    number = _number(request)
    fields = ContactForm(*(str(form.get(k, ""))[:MAX_FIELD] for k in ("email", "cc", "domains")))
    return await run_in_threadpool(_save, request, user, number, fields)


def _save(request: Request, user, number: str, form: ContactForm):
    now = common.now(request)
    try:
        with common.db(request) as s:
            record = _record(s, number)
            before = {"email": record.official_email, "cc": list(record.cc_emails), "domains": list(record.domains)}
            contacts.import_contacts(s, import_text(number, form), now=now)
            after = next(r for r in repo.municipality_rows(s) if r.number == number)
            changes = {"email": after.official_email, "cc": list(after.cc_emails), "domains": list(after.domains)}
            changed = changes != before
            if changed:
                repo.add_audit(s, at=now, actor=user.name, action="contacts_edited", municipality_number=number,
                               details={"before": before, "after": changes, "source": "web"})
    except ContactImportError as err:
        field, text = explain(err)
        context = _context(request, number, form=form, errors={field: text})
        return common.render(request, "web/municipality.html", context, status=400)
    flash = "Kontaktopplysningene er lagret." if changed else "Ingen endringer å lagre."
    return common.redirect(request, f"/kommuner/{number}#kontakter", flash=flash)


routes = [
    Route("/kommuner", list_page),
    Route("/kommuner/{number}", page),
    Route("/kommuner/{number}/kontakter", save_contacts, methods=["POST"]),
]
