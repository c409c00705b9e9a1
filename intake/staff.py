"""Staff decisions on a submission, each one audited with its before and after, each undoable.

The web UI's review actions land here. An accepted declaration or decline goes through
the same notifier as an automatic decision, in the same transaction, so it is
acknowledged exactly as if the machine had accepted it (and never twice: the outbox key
``ack:<submission>`` is unique).

Undo is a new action that restores the state before the latest staff action, provided
nothing changed since; a mail already queued or sent stays queued or sent.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parsers.types import Kind, Status
from storage import repo, submissions
from storage.models import AuditLog, Submission

ACTIONS = ("assign", "edit", "accept", "decline", "reject", "answered", "undo")
SIGNING = (Kind.DECLARATION.value, Kind.COUNCIL_DECISION.value)
OPEN = Status.NEEDS_REVIEW.value
# The fields an action may change, and so what an undo puts back.
FIELDS = ("status", "kind", "municipality_number", "signers", "signed_date", "reasons")
MAX_SIGNERS = 10
MAX_TEXT = 200


class StaffError(Exception):
    """An action that cannot be taken; the message is for staff (Bokmål)."""


@dataclass(frozen=True)
class Outcome:
    submission_id: int
    action: str
    audit_id: int
    queued: str | None      # outbox key of the mail this queued, if any


def snapshot(row: Submission) -> dict[str, Any]:
    return {"status": row.status, "kind": row.kind, "municipality_number": row.municipality_number,
            "signers": [dict(x) for x in (row.signers or [])],
            "signed_date": row.signed_date.isoformat() if row.signed_date else None,
            "reasons": list(row.reasons or [])}


def _restore(row: Submission, snap: dict[str, Any]) -> None:
    row.status = snap["status"]
    row.kind = snap["kind"]
    row.municipality_number = snap["municipality_number"]
    row.signers = [dict(x) for x in snap["signers"]]
    row.signed_date = dt.date.fromisoformat(snap["signed_date"]) if snap["signed_date"] else None
    row.reasons = list(snap["reasons"])


def signed_elsewhere(s: Session, row: Submission, number: str) -> list[int]:
    """Other accepted signatures of ``number``: shown to staff before they accept."""
    return list(s.scalars(select(Submission.id).where(
        Submission.municipality_number == number, Submission.id != row.id,
        Submission.status == Status.ACCEPTED.value, Submission.kind.in_(SIGNING))
        .order_by(Submission.id)))


def clean_signers(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    out = []
    for name, title in pairs[:MAX_SIGNERS]:
        name, title = " ".join(name.split())[:MAX_TEXT], " ".join(title.split())[:MAX_TEXT].lower()
        if name:
            out.append({"name": name, "title": title})
        elif title:
            raise StaffError("En underskriver har tittel, men mangler navn.")
    return out


def act(s: Session, submission_id: int, action: str, *, actor: str, now: dt.datetime, notifier,
        invited: frozenset[str], known: frozenset[str], **params: Any) -> Outcome:
    """Apply one staff action; StaffError says why it cannot be done."""
    if action not in ACTIONS:
        raise StaffError(f"Ukjent handling {action!r}.")
    # Locked for the transaction: two reviewers acting at once take turns, and the second
    # sees the first one's result (PostgreSQL; SQLite's write transactions are serial).
    row = s.scalars(select(Submission).where(Submission.id == submission_id).with_for_update()).first()
    if row is None:
        raise submissions.SubmissionNotFound(submission_id)
    before = snapshot(row)
    note: dict[str, Any] = {}
    if action == "undo":
        note["undoes"] = _undo(s, row)
    else:
        if row.status != OPEN:
            raise StaffError("Innsendingen er ikke lenger til gjennomgang. Angre den siste handlingen først.")
        _APPLY[action](s, row, params, invited, known, note)
    after = snapshot(row)
    if after == before:
        raise StaffError("Ingenting ble endret.")
    row.decided_by = actor
    row.decided_at = now
    s.flush()
    # The same path as an automatic decision: what the new state calls for is queued now.
    queued = notifier.after_decision(s, row, now=now) if row.status == Status.ACCEPTED.value else None
    audit_id = repo.add_audit(s, at=now, actor=actor, action=action, submission_id=row.id,
                              municipality_number=row.municipality_number,
                              details={"before": before, "after": after, "queued": queued, **note})
    return Outcome(row.id, action, audit_id, queued)


def _number(params: dict, row: Submission, invited: frozenset[str], known: frozenset[str]) -> str:
    number = params.get("number") or row.municipality_number
    if not number:
        raise StaffError("Velg kommunen først.")
    if number not in known:
        raise StaffError(f"Ukjent kommunenummer {number}.")
    if number not in invited:
        raise StaffError(f"Kommune {number} er ikke invitert i denne kampanjen; avvis innsendingen i stedet.")
    return number


def _assign(s, row, params, invited, known, note) -> None:
    row.municipality_number = _number(params, row, invited, known)


def _edit(s, row, params, invited, known, note) -> None:
    if "signers" in params:
        row.signers = clean_signers(params["signers"])
    if "signed_date" in params:
        row.signed_date = params["signed_date"]


def _accept(s, row, params, invited, known, note) -> None:
    number = _number(params, row, invited, known)
    others = signed_elsewhere(s, row, number)
    if others and not params.get("confirm_conflict"):
        raise StaffError(f"Kommunen har allerede signert (innsending {', '.join(map(str, others))}). "
                         "Kryss av for at du har sett det, og godkjenn igjen.")
    note["already_signed"] = others
    row.municipality_number = number
    row.kind = row.kind if row.kind in SIGNING else Kind.DECLARATION.value
    row.status = Status.ACCEPTED.value


def _decline(s, row, params, invited, known, note) -> None:
    row.municipality_number = _number(params, row, invited, known)
    row.kind = Kind.DECLINE.value
    row.status = Status.ACCEPTED.value


def _reject(s, row, params, invited, known, note) -> None:
    reason = " ".join(str(params.get("reason") or "").split())[:MAX_TEXT]
    if not reason:
        raise StaffError("Skriv en begrunnelse for avvisningen.")
    row.status = Status.REJECTED.value
    row.reasons = list(dict.fromkeys([*(row.reasons or []), f"staff: {reason}"]))


def _answered(s, row, params, invited, known, note) -> None:
    row.kind = Kind.QUESTION.value
    row.status = Status.IGNORED.value
    row.reasons = list(dict.fromkeys([*(row.reasons or []), "answered_elsewhere"]))


_APPLY = {"assign": _assign, "edit": _edit, "accept": _accept, "decline": _decline,
          "reject": _reject, "answered": _answered}


def history(s: Session, submission_id: int) -> list[AuditLog]:
    return list(s.scalars(select(AuditLog).where(AuditLog.submission_id == submission_id)
                          .order_by(AuditLog.at, AuditLog.id)))


def undoable(s: Session, row: Submission) -> AuditLog | None:
    """The latest staff action, if the submission still stands as it left it."""
    entries = [e for e in history(s, row.id) if "before" in (e.details or {}) and "after" in (e.details or {})]
    if not entries:
        return None
    last = entries[-1]
    return last if last.details["after"] == snapshot(row) else None


def _undo(s: Session, row: Submission) -> int:
    entry = undoable(s, row)
    if entry is None:
        raise StaffError("Det er ingen handling å angre, eller innsendingen er endret etterpå.")
    _restore(row, entry.details["before"])
    return entry.id
