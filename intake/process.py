"""Turn stored raw messages into recorded submissions: the second durable stage.

Each message is claimed, analysed by the pure parsers and recorded in one transaction
(on PostgreSQL the claim is a row lock taken with SKIP LOCKED, so several workers share
the work). A message the parsers cannot handle still becomes a submission in the review
queue, with the error as its evidence: nothing is dropped.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import traceback
import uuid
from dataclasses import dataclass, field
from typing import Callable

from intake.campaign import Campaign
from intake.notify import Notifier
from parsers import council
from parsers.analyse import Analyser
from parsers.headers import receipt_time
from parsers.dsn import parse_delivery_report
from parsers.types import Decision, Kind, ParsedMessage, Status
from storage import outbox, repo, submissions
from storage.db import session_scope

log = logging.getLogger("akson.process")

# How long a worker may take over one message before another may take it up: far above
# the time analysis is allowed (OCR is bounded per document), so only a dead worker's
# message is taken over.
LEASE = dt.timedelta(minutes=15)
# A message claimed this many times without a result crashes whoever analyses it.
MAX_CLAIMS = 3


@dataclass
class ProcessStats:
    processed: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    errors: int = 0

    def count(self, status: str) -> None:
        self.by_status[status] = self.by_status.get(status, 0) + 1


def make_analyser(campaign: Campaign, *, authserv_id: str = "", own_addresses=frozenset(),
                  ocr=None, **extra) -> Analyser:
    """``extra``: further ``Analyser`` options (trust_roots, intermediaries)."""
    return Analyser(campaign.municipalities, invited=campaign.invited, deadline=campaign.deadline,
                    authserv_ids=(authserv_id,) if authserv_id else (),
                    own_addresses=frozenset(own_addresses), ocr=ocr, **extra)


def failed_decision(err: BaseException, late: bool) -> Decision:
    """The review item made for a message the parsers could not handle."""
    return Decision(kind=Kind.OTHER, status=Status.NEEDS_REVIEW, municipality_number=None,
                    signers=(), signed_date=None, attachment=None, late=late,
                    reasons=("processing_error",),
                    evidence={"error": f"{type(err).__name__}: {err}",
                              "traceback": traceback.format_exc(limit=20)})


def process_pending(sessions, analyser: Analyser, *, now: Callable[[], dt.datetime],
                    limit: int | None = None,
                    on_done: Callable[[Decision], None] | None = None,
                    notifier: Notifier | None = None, stop=None,
                    lease_for: dt.timedelta = LEASE) -> ProcessStats:
    """Process stored messages one at a time; ``stop`` (an Event) ends between two.

    Each message goes through three steps: claim (a short transaction that leases it),
    analyse (no transaction and no lock held, however long OCR takes), record (a short
    transaction that writes the decision and its mail, if the lease still stands).
    ``lease_for``: how long a claim keeps other workers off the message (a dead worker's
    message waits that long).
    """
    stats = ProcessStats()
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    while (limit is None or stats.processed < limit) and not (stop is not None and stop.is_set()):
        with session_scope(sessions) as s:
            lease = repo.lease_new_raw(s, now=now(), holder=holder, duration=lease_for)
            if lease is None:
                break
            raw = repo.load_raw(s, lease.raw_id)
        work = _analyse(sessions, analyser, lease, raw, now())
        with session_scope(sessions) as s:
            if not repo.still_leased(s, lease.raw_id, holder):
                log.warning("raw message %s was taken over by another worker; its result stands",
                            lease.raw_id)
                continue
            decision = _record(s, lease.raw_id, raw, work, now(), notifier)
        stats.processed += 1
        stats.count(decision.status.value)
        if decision.reasons == ("processing_error",):
            stats.errors += 1
        if on_done:
            on_done(decision)
    return stats


@dataclass(frozen=True)
class _Work:
    decision: Decision
    received_at: dt.datetime
    meta: dict
    references: tuple[str, ...] = ()


def _analyse(sessions, analyser: Analyser, lease: repo.RawLease, raw: bytes, now: dt.datetime) -> _Work:
    received_at = receipt_time(raw) or now
    late = received_at > analyser.deadline
    empty = {"message_id": None, "sender": None, "subject": ""}
    if lease.claims > MAX_CLAIMS:
        # Claimed that often and never recorded: analysing it kills the worker (a parser
        # crash no exception handler sees). Staff get it with the raw message instead.
        err = RuntimeError(f"processing did not finish after {lease.claims - 1} attempts")
        return _Work(failed_decision(err, late), received_at, empty)

    def replies(message: ParsedMessage) -> frozenset[str]:
        with session_scope(sessions) as s:
            return replied_numbers(s, message)

    try:
        analysis = analyser.analyse(raw, received_at=received_at, replies=replies)
    except Exception as err:  # noqa: BLE001 - loop boundary: one bad message must not stop the rest
        log.exception("could not analyse raw message %s", lease.raw_id)
        return _Work(failed_decision(err, late), received_at, empty)
    message = analysis.message
    return _Work(analysis.decision, received_at,
                 {"message_id": message.message_id, "sender": message.from_address,
                  "subject": message.subject}, message.references)


def _record(s, raw_id: int, raw: bytes, work: _Work, now: dt.datetime,
            notifier: Notifier | None) -> Decision:
    """Record the decision, one submission per municipality when a document covers several.

    Parts already recorded for this message are left alone, so recording again (a message
    handed out twice) adds nothing.
    """
    decision = work.decision
    done = submissions.parts_of(s, raw_id)
    for part, piece in enumerate(council.per_municipality(decision)):
        if part in done:
            continue
        sub_id = submissions.record(s, raw_message_id=raw_id, decision=piece, part=part,
                                    received_at=work.received_at, now=now, **work.meta)
        if "delivery_report" in piece.reasons:
            note_delivery_report(s, raw, sub_id, now)
        # One answer per message: the sender of a joint document gets one receipt.
        if notifier is not None and part == 0:
            # Queued in the decision's own transaction: both happen, or neither.
            notifier.after_decision(s, submissions.get(s, sub_id), now=now, references=work.references)
        log.info("submission %s: %s %s municipality=%s reasons=%s", sub_id, piece.kind.value,
                 piece.status.value, piece.municipality_number, ",".join(piece.reasons))
    repo.mark_raw(s, raw_id, "processed", now=now)
    return decision


def replied_numbers(s, message: ParsedMessage) -> frozenset[str]:
    """Municipalities whose mail from us this message answers, from an address we wrote to."""
    ids = [i for i in (message.in_reply_to, *message.references) if i]
    sender = (message.from_address or "").lower()
    if not ids or not sender:
        return frozenset()
    return frozenset(row.municipality_number for row in outbox.by_message_ids(s, ids)
                     if row.municipality_number
                     and sender in {a.lower() for a in (*row.to_addrs, *row.cc_addrs)})


def note_delivery_report(s, raw: bytes, sub_id: int, now: dt.datetime) -> None:
    """Link a bounce to the mail it reports on and mark the contact addresses that failed."""
    report = parse_delivery_report(raw)
    if report is None or not report.original_message_id:
        return
    rows = outbox.by_message_ids(s, [report.original_message_id])
    if not rows:
        return
    row = rows[0]
    failed = list(report.permanent)
    detail = "; ".join(f"{r.address} {r.status or ''} {r.diagnostic or ''}".strip() for r in failed)
    marked = outbox.record_bounce(s, row, addresses=[r.address for r in failed], detail=detail, now=now) \
        if failed else []
    sub = submissions.get(s, sub_id)
    sub.evidence = {**(sub.evidence or {}), "delivery_report": {
        "outbox_key": row.key, "original_message_id": report.original_message_id,
        "failed": [{"address": r.address, "status": r.status, "diagnostic": r.diagnostic}
                   for r in failed],
        "contacts_marked": marked}}
    repo.add_audit(s, at=now, actor="auto", action="bounce", submission_id=sub_id,
                   municipality_number=row.municipality_number,
                   details={"outbox_key": row.key, "failed": [r.address for r in failed],
                            "contacts_marked": marked})
    log.warning("delivery report for %s: failed=%s contacts_marked=%s", row.key,
                ",".join(r.address for r in failed) or "-", ",".join(marked) or "-")
