"""What the review page shows, gathered in one transaction: the document, the evidence,
the headers, the choices of municipality, conflicts, the history and the mail queued."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from intake import staff
from intake.web import documents
from storage import repo, submissions
from storage.models import OutboxMail, Submission

KIND_LABELS = {"declaration": "Intensjonserklæring", "council_decision": "Vedtak/saksprotokoll",
               "decline": "Avslag", "question": "Spørsmål", "auto_reply": "Autosvar", "other": "Annet"}
STATUS_LABELS = {"accepted": "Godkjent", "needs_review": "Til gjennomgang", "rejected": "Avvist",
                 "ignored": "Lagt bort"}
ACTION_LABELS = {"assign": "Kommune valgt", "edit": "Opplysninger endret", "accept": "Godkjent",
                 "decline": "Registrert som avslag", "reject": "Avvist", "answered": "Besvart annet sted",
                 "undo": "Angret", "accepted": "Godkjent (kommandolinje)", "rejected": "Avvist (kommandolinje)"}
MAIL_STATES = {"queued": "i kø", "sending": "sendes", "sent": "sendt", "failed": "feilet"}


@dataclass(frozen=True)
class Choice:
    number: str
    name: str
    county: str
    label: str           # what the datalist offers and the server reads back: "1818 Herøy – Nordland"


def choices(campaign) -> list[Choice]:
    """Invited municipalities by name and alias, with the county to tell homonyms apart."""
    out = []
    for m in sorted((m for m in campaign.municipalities if m.number in campaign.invited), key=lambda m: m.name):
        out.append(Choice(m.number, m.name, m.county, f"{m.number} {m.name} – {m.county}"))
        for alias, _kind in m.aliases:
            if alias.casefold() != m.name.casefold():
                out.append(Choice(m.number, m.name, m.county, f"{m.number} {alias} ({m.name}) – {m.county}"))
    return out


def resolve(text: str, campaign) -> tuple[str | None, list[Choice]]:
    """What staff typed -> (the one number, []) or (None, the candidates to choose from)."""
    text = " ".join(text.split())
    invited = [m for m in campaign.municipalities if m.number in campaign.invited]
    head = text[:4]
    if head.isdigit() and len(head) == 4 and (len(text) == 4 or text[4] == " "):
        return (head, []) if any(m.number == head for m in invited) else (None, [])
    query = text.casefold()
    if len(query) < 2:
        return None, []

    def names(m):
        return [m.name.casefold(), m.display_name.casefold(), *(a.casefold() for a, _k in m.aliases)]

    exact = [m for m in invited if query in names(m)]
    found = exact or [m for m in invited if any(query in n for n in names(m))]
    if len(found) == 1:
        return found[0].number, []
    return None, [Choice(m.number, m.name, m.county, f"{m.name} – {m.county} ({m.number})")
                  for m in sorted(found, key=lambda m: (m.name, m.county))[:30]]


def _needles(row: Submission, campaign) -> list[str]:
    ev = row.evidence or {}
    found = [m.get("matched", "") for d in ev.get("documents", []) for m in d.get("mentions", [])]
    found += [m.get("matched", "") for m in (ev.get("body") or {}).get("mentions", [])]
    if row.municipality_number:
        m = campaign.by_number().get(row.municipality_number)
        if m:
            found.append(m.name)
    found += [x.get("name", "") for x in row.signers or []]
    return found


def _mails(s, submission_id: int) -> list[dict]:
    rows = s.scalars(select(OutboxMail).where(OutboxMail.submission_id == submission_id).order_by(OutboxMail.id))
    return [{"key": r.key, "purpose": r.purpose, "state": MAIL_STATES.get(r.state, r.state),
             "to": ", ".join(r.to_addrs + r.cc_addrs), "created_at": r.created_at} for r in rows]


def _action_label(action: str) -> str:
    if action.startswith("decided:"):
        status = action.split(":", 1)[1]
        return f"Vurdert automatisk: {STATUS_LABELS.get(status, status).lower()}"
    return ACTION_LABELS.get(action, action)


def _history(s, row: Submission) -> list[dict]:
    return [{"id": e.id, "at": e.at, "actor": e.actor, "action": _action_label(e.action),
             "before": (e.details or {}).get("before"), "after": (e.details or {}).get("after"),
             "reason": (e.details or {}).get("reason")} for e in staff.history(s, row.id)]


def context(s, submission_id: int, campaign, *, tz) -> dict:
    row = submissions.get(s, submission_id)
    message = documents.message_of(repo.load_raw(s, row.raw_message_id))
    needles = _needles(row, campaign)
    docs = [documents.view(i, d, row.attachment, needles)
            for i, d in enumerate(documents.documents(message, row.attachment))]
    known = campaign.by_number()
    muni = known.get(row.municipality_number) if row.municipality_number else None
    candidates = sorted(set(row.evidence.get("municipality_candidates", []) if row.evidence else []))
    last = staff.undoable(s, row)
    return {
        "sub": row, "docs": docs, "headers": documents.headers(message),
        "body_text": (message.body_text or "")[:5000],
        "evidence": row.evidence or {},
        "kind_label": KIND_LABELS.get(row.kind, row.kind),
        "status_label": STATUS_LABELS.get(row.status, row.status),
        "municipality": muni,
        "candidates": [known[n] for n in candidates if n in known],
        "conflicts": staff.signed_elsewhere(s, row, row.municipality_number) if muni else [],
        "invited": muni is not None and muni.number in campaign.invited,
        "history": _history(s, row), "undo_entry": last.id if last else None,
        "undo_label": ACTION_LABELS.get(last.action, last.action) if last else None,
        "mails": _mails(s, row.id),
        "signer_rows": list(row.signers or []) + [{"name": "", "title": ""}] * 2,
        "is_open": row.status == "needs_review",
    }


def queue_rows(s, *, reason: str | None, kind: str | None) -> tuple[list[dict], list[str], list[str]]:
    rows = submissions.review_queue(s)
    reasons = sorted({r for row in rows for r in (row.reasons or [])})
    kinds = sorted({row.kind for row in rows})
    shown = [row for row in rows
             if (not reason or reason in (row.reasons or [])) and (not kind or row.kind == kind)]
    items = [{"id": r.id, "received_at": r.received_at, "sender": r.sender or "", "subject": r.subject or "",
              "attachment": r.attachment, "kind": KIND_LABELS.get(r.kind, r.kind), "reasons": r.reasons or [],
              "municipality_number": r.municipality_number} for r in shown]
    return items, reasons, kinds
