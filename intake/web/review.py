"""The review queue and the review page: look at the document, decide, undo.

Every action is a POST with the CSRF token, needs the reviewer role, and goes through
``intake.staff`` (audit with before/after, acknowledgement by the same path as an
automatic decision). Page images are rendered here from the stored message.
"""
from __future__ import annotations

import datetime as dt

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from intake import staff
from intake.web import common, documents, review_page
from storage import repo, submissions

nav = ("Gjennomgang", "/review")
MAX_FILTER = 64


def queue(request: Request):
    common.require_role(request, "viewer")
    reason = request.query_params.get("reason", "")[:MAX_FILTER] or None
    kind = request.query_params.get("kind", "")[:MAX_FILTER] or None
    with common.db(request) as s:
        items, reasons, kinds = review_page.queue_rows(s, reason=reason, kind=kind)
    return common.render(request, "web/review_queue.html", {
        "title": "Gjennomgang", "items": items, "reasons": reasons, "reason": reason or "",
        "kinds": [(k, review_page.KIND_LABELS.get(k, k)) for k in kinds], "kind": kind or ""})


def _page(request: Request, submission_id: int, *, status: int = 200, **extra):
    web = common.ctx(request)
    campaign = web.app.campaign()
    try:
        with common.db(request) as s:
            data = review_page.context(s, submission_id, campaign, tz=web.config.tz)
            queue_ids = [r.id for r in submissions.review_queue(s)]
    except submissions.SubmissionNotFound as err:
        raise HTTPException(404, "Fant ingen innsending med dette nummeret.") from err
    later = [i for i in queue_ids if i != submission_id]
    next_id = next((i for i in queue_ids if i > submission_id), later[0] if later else None)
    return common.render(request, "web/review.html", {
        "title": f"Innsending {submission_id}", "choices": review_page.choices(campaign),
        "next_id": next_id, "ambiguous": [], "typed": "", "error": None, **data, **extra}, status=status)


def page(request: Request):
    common.require_role(request, "viewer")
    return _page(request, request.path_params["id"])


def page_image(request: Request):
    common.require_role(request, "viewer")
    sid, index, number = (request.path_params[k] for k in ("id", "doc", "page"))
    with common.db(request) as s:
        try:
            row = submissions.get(s, sid)
        except submissions.SubmissionNotFound as err:
            raise HTTPException(404) from err
        raw = repo.load_raw(s, row.raw_message_id)
        attachment = row.attachment
    docs = documents.documents(documents.message_of(raw), attachment)
    if not 0 <= index < len(docs):
        raise HTTPException(404)
    try:
        png = documents.render_page(docs[index], number)
    except documents.RenderError as err:
        raise HTTPException(404, "Siden kan ikke vises som bilde.") from err
    return Response(png, media_type="image/png")


# --- actions ----------------------------------------------------------------------------

def _signers(form) -> list[tuple[str, str]]:
    pairs = []
    for i in range(staff.MAX_SIGNERS):
        name, title = form.get(f"signer_name_{i}"), form.get(f"signer_title_{i}")
        if name is None and title is None:
            continue
        pairs.append((str(name or ""), str(title or "")))
    return pairs


def _date(value: str) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as err:
        raise staff.StaffError(f"Datoen «{value[:20]}» er ikke en dato (åååå-mm-dd).") from err


def _params(request: Request, action: str, form) -> dict:
    """Form fields -> the action's parameters (typed municipality resolved here)."""
    if action == "assign":
        typed = str(form.get("municipality", ""))[:200]
        number, candidates = review_page.resolve(typed, common.ctx(request).app.campaign())
        if number is None:
            raise _Ambiguous(typed, candidates)
        return {"number": number}
    if action == "edit":
        return {"signers": _signers(form),
                "signed_date": _date(str(form.get("signed_date", ""))[:20])}
    if action == "accept":
        return {"confirm_conflict": form.get("confirm_conflict") == "yes"}
    if action == "reject":
        return {"reason": str(form.get("reason", ""))}
    return {}


class _Ambiguous(Exception):
    def __init__(self, typed: str, candidates: list) -> None:
        self.typed, self.candidates = typed, candidates


def _act(request: Request, submission_id: int, action: str, form):
    user = common.require_role(request, "reviewer")
    web = common.ctx(request)
    try:
        params = _params(request, action, form)
        campaign = web.app.campaign()
        with common.db(request) as s:
            outcome = staff.act(s, submission_id, action, actor=user.name, now=web.clock(),
                                notifier=web.notifier(), invited=campaign.invited,
                                known=frozenset(campaign.by_number()), **params)
    except submissions.SubmissionNotFound as err:
        raise HTTPException(404) from err
    except _Ambiguous as amb:
        error = ("Flere kommuner passer. Velg én:" if amb.candidates
                 else f"Fant ingen invitert kommune som passer «{amb.typed}».")
        return _page(request, submission_id, status=200 if amb.candidates else 422,
                     ambiguous=amb.candidates, typed=amb.typed, error=error)
    except staff.StaffError as err:
        return _page(request, submission_id, status=422, error=str(err))
    return common.redirect(request, f"/review/{submission_id}#resultat", flash=_done_text(outcome, campaign))


def _done_text(outcome: staff.Outcome, campaign) -> str:
    text = {"assign": "Kommunen er valgt.", "edit": "Opplysningene er lagret.",
            "accept": "Godkjent og registrert.", "decline": "Registrert som avslag.",
            "reject": "Avvist.", "answered": "Markert som besvart annet sted.",
            "undo": "Handlingen er angret. En kvittering som alt er lagt i kø eller sendt, "
                    "blir ikke trukket tilbake."}[outcome.action]
    if outcome.queued:
        text += f" Kvittering lagt i utsendingskøen ({outcome.queued})."
    return text


async def action(request: Request):
    form = await common.checked_form(request)
    name = request.path_params["action"]
    if name not in staff.ACTIONS:
        raise HTTPException(404)
    return await run_in_threadpool(_act, request, request.path_params["id"], name, form)



routes = [
    Route("/review", queue, methods=["GET"]),
    Route("/review/{id:int}", page, methods=["GET"]),
    Route("/review/{id:int}/doc/{doc:int}/page/{page:int}.png", page_image, methods=["GET"]),
    Route("/review/{id:int}/{action:str}", action, methods=["POST"]),
]
