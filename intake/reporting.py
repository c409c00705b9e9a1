"""Progress and exports, in the record shapes of interface.md.

``status`` and ``export municipalities`` are computed from the same derived states, so
they always agree.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
from typing import Any, TextIO

from intake.app import App
from storage import outbox, submissions
from storage.db import session_scope


def _iso(value: dt.datetime | None, tz) -> str | None:
    return value.astimezone(tz).isoformat() if value else None


def _snapshot(app: App, until: dt.datetime | None):
    campaign = app.campaign()
    with session_scope(app.sessions) as s:
        rows = submissions.all_submissions(s)
        s.expunge_all()
    states = submissions.municipality_states(rows, [m.number for m in campaign.municipalities], until)
    return campaign, rows, states


def status(app: App, now: dt.datetime | None = None) -> dict[str, Any]:
    campaign, _rows, states = _snapshot(app, now)
    invited = [m for m in campaign.municipalities if m.number in campaign.invited]
    counts = {k: 0 for k in ("signed", "declined", "no_response", "pending_review")}
    for m in invited:
        counts[states[m.number].status] += 1
    pop_invited = sum(m.population for m in invited)
    pop_signed = sum(m.population for m in invited if states[m.number].status == "signed")
    share = pop_signed / pop_invited if pop_invited else 0.0
    counties: dict[str, dict[str, int]] = {}
    for m in invited:
        c = counties.setdefault(m.county, {"invited": 0, "signed": 0, "declined": 0, "pop": 0, "pop_signed": 0})
        c["invited"] += 1
        c["pop"] += m.population
        c["declined"] += states[m.number].status == "declined"
        if states[m.number].status == "signed":
            c["signed"] += 1
            c["pop_signed"] += m.population
    mail = outbox_summary(app)
    return {
        "invited": len(invited),
        **counts,
        "population_invited": pop_invited,
        "population_signed": pop_signed,
        "population_share_signed": round(share, 6),
        "thresholds": [{"share": t, "met": share >= t} for t in campaign.thresholds],
        "by_county": [
            {"county": name, "invited": c["invited"], "signed": c["signed"],
             # Beyond interface.md: declined per county, for the web dashboard.
             "declined": c["declined"],
             "population_share_signed": round(c["pop_signed"] / c["pop"], 6) if c["pop"] else 0.0}
            for name, c in sorted(counties.items())
        ],
        # Beyond interface.md's fields: what the outbox is doing, failures with the
        # server's reply, and contact addresses that bounce.
        "outbox": mail,
    }


def _accepted_at(row) -> dt.datetime:
    """When a submission began to count: staff acceptance time for one accepted by staff;
    the receipt for an automatic one, whose decision follows from the message itself (a
    backlog processed late, as in the demo, must not move the signatures to that day).
    """
    if row.decided_by == "auto":
        return row.received_at
    return max(row.received_at, row.decided_at)


def signed_events(app: App) -> list[dict[str, Any]]:
    """Each invited municipality that is signed now, with when its counting submission was
    accepted (``_accepted_at``), oldest first."""
    campaign, rows, states = _snapshot(app, None)
    by_id = {r.id: r for r in rows}
    out = []
    for m in campaign.municipalities:
        st = states[m.number]
        if m.number in campaign.invited and st.status == "signed" and st.counted_id in by_id:
            out.append({"number": m.number, "name": m.display_name, "population": m.population,
                        "accepted_at": _accepted_at(by_id[st.counted_id])})
    return sorted(out, key=lambda e: (e["accepted_at"], e["number"]))


def outbox_summary(app: App) -> dict[str, Any]:
    tz = app.config.tz
    with session_scope(app.sessions) as s:
        counts = outbox.state_counts(s)
        failed = [{"id": r.id, "key": r.key, "to": r.to_addrs, "at": _iso(r.updated_at, tz),
                   "error": r.last_error, "reply": r.smtp_reply} for r in outbox.failures(s)]
        bounced = [{"number": n, "detail": d} for n, d in sorted(outbox.bounced_numbers(s).items())]
    return {"queued": counts.get("queued", 0), "sending": counts.get("sending", 0),
            "sent": counts.get("sent", 0), "failed": counts.get("failed", 0),
            "failures": failed, "bouncing": bounced}


def export_submissions(app: App) -> list[dict[str, Any]]:
    tz = app.config.tz
    with session_scope(app.sessions) as s:
        return [{
            "id": r.id,
            "message_id": r.message_id,
            "received_at": _iso(r.received_at, tz),
            "sender": r.sender,
            "attachment": r.attachment,
            "kind": r.kind,
            "status": r.status,
            "municipality_number": r.municipality_number,
            "signers": r.signers,
            "signed_date": r.signed_date.isoformat() if r.signed_date else None,
            "late": r.late,
            "reasons": r.reasons,
        } for r in submissions.all_submissions(s)]


def export_municipalities(app: App) -> list[dict[str, Any]]:
    campaign, _rows, states = _snapshot(app, None)
    tz = app.config.tz
    with session_scope(app.sessions) as s:
        reminders = outbox.reminders_sent(s)
        bounced = outbox.bounced_numbers(s)
    out = []
    for m in campaign.municipalities:
        if m.number not in campaign.invited:
            continue   # outsiders' mail is in the submissions export, never in the campaign
        st = states[m.number]
        out.append({
            "number": m.number, "name": m.display_name, "county": m.county,
            "population": m.population,
            "status": st.status,
            "signed_at": _iso(st.signed_at, tz), "signers": st.signers,
            "submission_ids": st.submission_ids, "reminders_sent": reminders.get(m.number, 0),
            # Beyond interface.md: the bouncing contact address and the report, or null.
            "bounced": bounced.get(m.number),
        })
    return out


def municipality_list(app: App) -> list[dict[str, Any]]:
    campaign = app.campaign()
    out = []
    for m, r in zip(campaign.municipalities, campaign.records):
        out.append({
            "number": m.number, "name": m.display_name, "county": m.county,
            "population": m.population,
            "contacts": [email for email, _role in r.contacts],
            "domains": list(m.domains), "invited": m.number in campaign.invited,
        })
    return out


def format_status(data: dict[str, Any]) -> str:
    lines = [
        f"Signed: {data['signed']} of {data['invited']} invited municipalities "
        f"(declined {data['declined']}, in review {data['pending_review']}, no response {data['no_response']})",
        f"Population signed: {data['population_signed']:,} of {data['population_invited']:,} "
        f"= {data['population_share_signed'] * 100:.1f} %".replace(",", " "),
        "Thresholds: " + ", ".join(f"{t['share'] * 100:g} % {'met' if t['met'] else 'not met'}"
                                   for t in data["thresholds"]),
        "",
        f"{'County':<22} {'Invited':>8} {'Signed':>7} {'Pop. share':>11}",
    ]
    for c in data["by_county"]:
        lines.append(f"{c['county']:<22} {c['invited']:>8} {c['signed']:>7} "
                     f"{c['population_share_signed'] * 100:>10.1f}%")
    mail = data.get("outbox")
    if mail:
        lines += ["", f"Outbox: {mail['sent']} sent, {mail['queued']} queued, "
                      f"{mail['sending']} sending, {mail['failed']} failed"]
        for f in mail["failures"]:
            lines.append(f"  FAILED {f['key']} to {', '.join(f['to'])}: {f['reply'] or f['error']}")
        for b in mail["bouncing"]:
            lines.append(f"  BOUNCING {b['number']}: {b['detail']}")
    return "\n".join(lines)


def format_municipality_list(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'Nr':<5} {'Name':<28} {'County':<20} {'Population':>10}  Invited  Contacts"]
    for r in rows:
        lines.append(f"{r['number']:<5} {r['name'][:28]:<28} {r['county'][:20]:<20} {r['population']:>10}  "
                     f"{'yes' if r['invited'] else 'no ':<7}  {', '.join(r['contacts'])}")
    return "\n".join(lines)


def write_csv(rows: list[dict[str, Any]], out: TextIO) -> None:
    if not rows:
        return
    writer = csv.DictWriter(out, fieldnames=list(rows[0].keys()), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
                         for k, v in row.items()})
