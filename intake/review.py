"""The review queue from the terminal: list, show, assign (accept), reject."""
from __future__ import annotations

import datetime as dt
import json
import sys

from intake.app import App, UsageError
from intake.worker import make_notifier
from parsers.types import Kind
from storage import submissions
from storage.db import session_scope


def run(app: App, args) -> int:
    handler = {"list": _list, "show": _show, "assign": _assign, "reject": _reject}[args.review_command]
    try:
        return handler(app, args)
    except submissions.SubmissionNotFound as err:
        raise UsageError(str(err)) from err


def _summary(row, tz) -> dict:
    return {"id": row.id, "received_at": row.received_at.astimezone(tz).isoformat(),
            "sender": row.sender, "subject": row.subject, "attachment": row.attachment,
            "kind": row.kind, "status": row.status, "municipality_number": row.municipality_number,
            "signers": row.signers, "signed_date": row.signed_date.isoformat() if row.signed_date else None,
            "late": row.late, "reasons": row.reasons}


def _list(app: App, args) -> int:
    tz = app.config.tz
    with session_scope(app.sessions) as s:
        rows = submissions.all_submissions(s) if args.all else submissions.review_queue(s)
        items = [_summary(r, tz) for r in rows]
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return 0
    print(f"{len(items)} submission(s){'' if args.all else ' waiting for review'}")
    for it in items:
        print(f"#{it['id']:<5} {it['received_at'][:16]}  {(it['sender'] or '?')[:38]:<38} "
              f"{it['kind']:<16} {it['municipality_number'] or '----'}  {', '.join(it['reasons'])}")
    return 0


def _show(app: App, args) -> int:
    with session_scope(app.sessions) as s:
        row = submissions.get(s, args.id)
        data = {**_summary(row, app.config.tz), "message_id": row.message_id,
                "decided_by": row.decided_by, "evidence": row.evidence}
    print(json.dumps(data, ensure_ascii=False, indent=2))
    return 0


def _parse_signers(values: list[str]) -> list[dict[str, str]]:
    out = []
    for value in values:
        name, sep, title = value.partition("=")
        if not sep or not name.strip() or not title.strip():
            raise UsageError(f"--signer: expected NAME=TITLE, got {value!r}")
        out.append({"name": name.strip(), "title": title.strip().lower()})
    return out


def _assign(app: App, args) -> int:
    campaign = app.campaign()
    known = campaign.by_number()
    if args.municipality not in known:
        raise UsageError(f"municipality: unknown kommunenummer {args.municipality!r}")
    if args.municipality not in campaign.invited:
        raise UsageError(f"municipality: {args.municipality} {known[args.municipality].display_name} "
                         "is not invited to this campaign; use 'review reject' instead")
    try:
        signed = dt.date.fromisoformat(args.signed_date) if args.signed_date else None
    except ValueError as err:
        raise UsageError(f"--signed-date: expected YYYY-MM-DD, got {args.signed_date!r}") from err
    now = app.now()
    with session_scope(app.sessions) as s:
        row = submissions.get(s, args.id)
        kind = args.kind or (row.kind if row.kind in (Kind.DECLARATION.value, Kind.DECLINE.value,
                                                      Kind.COUNCIL_DECISION.value) else Kind.DECLARATION.value)
        others = submissions.municipality_states(submissions.all_submissions(s), [args.municipality])
        if others[args.municipality].status == "signed":
            print(f"note: {known[args.municipality].display_name} had already signed; this adds to its record",
                  file=sys.stderr)
        row = submissions.staff_accept(
            s, args.id, municipality_number=args.municipality, kind=kind,
            signers=_parse_signers(args.signer) if args.signer else row.signers,
            signed_date=signed or row.signed_date, actor=args.by, now=now)
        # The acknowledgement is queued with the staff decision, as for an automatic one.
        queued = make_notifier(app).after_decision(s, row, now=now)
        print(f"submission {row.id} accepted as {kind} for {args.municipality} "
              f"{known[args.municipality].display_name}"
              + (f"; acknowledgement queued ({queued})" if queued else ""))
    return 0


def _reject(app: App, args) -> int:
    if not args.reason.strip():
        raise UsageError("--reason: must not be empty")
    with session_scope(app.sessions) as s:
        row = submissions.staff_reject(s, args.id, reason=args.reason.strip(), actor=args.by, now=app.now())
        print(f"submission {row.id} rejected")
    return 0
