"""Submissions: recording decisions, the review queue, and municipality status.

A municipality's status is derived from its submissions every time it is asked for, not
stored beside them, so the two can never disagree: the latest accepted declaration or
decline decides ``signed``/``declined``; otherwise a submission waiting in review makes
it ``pending_review``; otherwise ``no_response``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from parsers.types import Decision, Kind, Status
from storage import repo
from storage.errors import StorageError
from storage.models import Submission


class SubmissionNotFound(StorageError):
    def __init__(self, submission_id: int) -> None:
        super().__init__(f"no submission with id {submission_id}")
        self.submission_id = submission_id


# Kinds that make a municipality signed or declined once accepted.
SIGNING_KINDS = (Kind.DECLARATION.value, Kind.COUNCIL_DECISION.value)
DECLINING_KINDS = (Kind.DECLINE.value,)


def record(s: Session, *, raw_message_id: int, decision: Decision, received_at: dt.datetime,
           now: dt.datetime, message_id: str | None, sender: str | None, subject: str,
           part: int = 0, actor: str = "auto") -> int:
    row = Submission(
        raw_message_id=raw_message_id, part=part, message_id=message_id, received_at=received_at,
        sender=sender, subject=(subject or "")[:2000], attachment=decision.attachment,
        kind=decision.kind.value, status=decision.status.value,
        municipality_number=decision.municipality_number,
        signers=[x.as_dict() for x in decision.signers],
        signed_date=decision.signed_date, late=decision.late, reasons=list(decision.reasons),
        evidence=decision.evidence, decided_by=actor, decided_at=now, created_at=now)
    s.add(row)
    s.flush()
    repo.add_audit(s, at=now, actor=actor, action=f"decided:{row.status}", submission_id=row.id,
                   municipality_number=row.municipality_number,
                   details={"kind": row.kind, "reasons": row.reasons})
    return row.id


def parts_of(s: Session, raw_message_id: int) -> set[int]:
    """The parts already recorded for a stored message (one per municipality it covers)."""
    return set(s.scalars(select(Submission.part).where(Submission.raw_message_id == raw_message_id)))


def all_submissions(s: Session) -> list[Submission]:
    return list(s.scalars(select(Submission).order_by(Submission.received_at, Submission.id)))


def review_queue(s: Session) -> list[Submission]:
    """Oldest first, as staff work through it."""
    return list(s.scalars(select(Submission).where(Submission.status == Status.NEEDS_REVIEW.value)
                          .order_by(Submission.received_at, Submission.id)))


def get(s: Session, submission_id: int) -> Submission:
    row = s.get(Submission, submission_id)
    if row is None:
        raise SubmissionNotFound(submission_id)
    return row


def staff_accept(s: Session, submission_id: int, *, municipality_number: str, kind: str,
                 signers: list[dict[str, str]], signed_date: dt.date | None, actor: str,
                 now: dt.datetime) -> Submission:
    """Staff record a submission for a municipality; it counts like an automatic accept."""
    row = get(s, submission_id)
    before = {"status": row.status, "municipality_number": row.municipality_number,
              "kind": row.kind, "signers": row.signers}
    row.municipality_number = municipality_number
    row.kind = kind
    row.signers = signers
    row.signed_date = signed_date
    row.status = Status.ACCEPTED.value
    row.decided_by = actor
    row.decided_at = now
    repo.add_audit(s, at=now, actor=actor, action="accepted", submission_id=row.id,
                   municipality_number=municipality_number,
                   details={"before": before, "kind": kind, "signers": signers,
                            "signed_date": signed_date.isoformat() if signed_date else None})
    return row


def staff_reject(s: Session, submission_id: int, *, reason: str, actor: str, now: dt.datetime) -> Submission:
    row = get(s, submission_id)
    before = {"status": row.status, "reasons": row.reasons}
    row.status = Status.REJECTED.value
    row.reasons = list(dict.fromkeys([*row.reasons, f"staff: {reason}"]))
    row.decided_by = actor
    row.decided_at = now
    repo.add_audit(s, at=now, actor=actor, action="rejected", submission_id=row.id,
                   municipality_number=row.municipality_number,
                   details={"before": before, "reason": reason})
    return row


@dataclass(frozen=True)
class MunicipalityState:
    number: str
    status: str                     # signed, declined, pending_review, no_response
    signed_at: dt.datetime | None
    signers: list[dict[str, Any]]
    submission_ids: list[int]
    # The submission that made it signed: the first of the current run of signed ones.
    counted_id: int | None = None


def municipality_states(rows: Iterable[Submission], numbers: Iterable[str],
                        until: dt.datetime | None = None) -> dict[str, MunicipalityState]:
    """Derive each municipality's status from its submissions (received by ``until``)."""
    by_number: dict[str, list[Submission]] = {n: [] for n in numbers}
    for row in rows:
        if row.municipality_number in by_number and (until is None or row.received_at <= until):
            by_number[row.municipality_number].append(row)
    return {n: _state(n, subs) for n, subs in by_number.items()}


def _state(number: str, subs: list[Submission]) -> MunicipalityState:
    subs = sorted(subs, key=lambda r: (r.received_at, r.id))
    ids = [r.id for r in subs]
    accepted = [r for r in subs if r.status == Status.ACCEPTED.value
                and r.kind in SIGNING_KINDS + DECLINING_KINDS]
    if accepted:
        latest = accepted[-1]
        if latest.kind in SIGNING_KINDS:
            # signed_at is when the current run of signed declarations began
            first = latest
            for r in reversed(accepted):
                if r.kind not in SIGNING_KINDS:
                    break
                first = r
            return MunicipalityState(number, "signed", first.received_at, latest.signers, ids, first.id)
        return MunicipalityState(number, "declined", None, [], ids)
    # Only something that could become a signature or a decline holds a municipality
    # "in review"; a question or an unrelated document leaves it without a response.
    if any(r.status == Status.NEEDS_REVIEW.value and r.kind in SIGNING_KINDS + DECLINING_KINDS
           for r in subs):
        return MunicipalityState(number, "pending_review", None, [], ids)
    return MunicipalityState(number, "no_response", None, [], ids)


def for_municipality(s: Session, number: str) -> list[Submission]:
    """Every submission recorded for a municipality, newest first."""
    return list(s.scalars(select(Submission).where(Submission.municipality_number == number)
                          .order_by(Submission.received_at.desc(), Submission.id.desc())))
