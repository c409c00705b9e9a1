"""The outbox page (``/utboks``): queued, sent and failed mail, and retrying a failure.

A retry makes the failed row due again (``storage.outbox.retry``); it never queues a
second mail, so the row's unique key, and with it "never twice", still holds. The send
job picks the row up at its next run.
"""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Route

from intake.web import common
from storage import outbox, repo

nav = ("Utboks", "/utboks")

STATES = {"failed": "Feilet", "queued": "I kø", "sending": "Sendes", "sent": "Sendt"}
PURPOSE_TEXT = {"ack": "Kvittering", "reminder": "Påminnelse"}
# Rows shown at once: a campaign has a few thousand mails; the filter narrows them.
PAGE_LIMIT = 500


def page(request: Request):
    common.require_role(request, "viewer")
    state = request.query_params.get("tilstand", "")
    if state not in STATES:
        state = ""
    with common.db(request) as s:
        counts = outbox.state_counts(s)
        rows = [r for r in reversed(outbox.all_mail(s)) if not state or r.state == state]
        names = {r.number: r.display_name for r in repo.municipality_rows(s)}
    return common.render(request, "web/outbox.html", {
        "title": "Utboks", "rows": rows[:PAGE_LIMIT], "total": len(rows), "limit": PAGE_LIMIT,
        "state": state, "states": STATES, "counts": counts, "names": names, "purpose_text": PURPOSE_TEXT,
    })


async def retry(request: Request):
    await common.checked_form(request)
    user = await run_in_threadpool(common.require_role, request, "reviewer")
    try:
        mail_id = int(request.path_params["mail_id"])
    except ValueError as err:
        raise HTTPException(404) from err
    return await run_in_threadpool(_retry, request, user, mail_id)


def _retry(request: Request, user, mail_id: int):
    now = common.now(request)
    with common.db(request) as s:
        try:
            row = outbox.get(s, mail_id)
        except outbox.OutboxMailNotFound as err:
            raise HTTPException(404, "Fant ikke e-posten.") from err
        if row.state != "failed":
            return common.redirect(request, "/utboks", kind="error",
                                   flash=f"E-post {mail_id} har ikke feilet; bare feilede e-poster kan prøves igjen.")
        before = {"state": row.state, "attempts": row.attempts, "error": row.last_error, "reply": row.smtp_reply}
        outbox.retry(s, mail_id, now=now)
        repo.add_audit(s, at=now, actor=user.name, action="outbox_retry", municipality_number=row.municipality_number,
                       submission_id=row.submission_id, details={"mail_id": mail_id, "key": row.key, "before": before})
    return common.redirect(request, "/utboks?tilstand=queued",
                           flash=f"E-post {mail_id} er lagt i kø igjen og sendes ved neste utsending.")


routes = [
    Route("/utboks", page),
    Route("/utboks/{mail_id}/prov-igjen", retry, methods=["POST"]),
]
