"""The progress dashboard (``/``) and the export downloads (``/eksport/...``).

Viewers and reviewers see the same page: counts and the signed population share against
the thresholds, the share over time, a table by county, and the municipalities with no
response in the order to call them to reach the highest threshold.
"""
from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from intake import reporting
from intake.web import chart, common, exports, figures

nav = ("Oversikt", "/")

# Sort orders of the no-response list: (label, key). The call order (rank) and the
# running share always follow population, whatever order the rows are shown in.
SORTS = {
    "folketall": ("Folketall, største først", lambda c: (c.rank,)),
    "folketall-stigende": ("Folketall, minste først", lambda c: (-c.rank,)),
    "navn": ("Navn", lambda c: (c.name.casefold(), c.number)),
    "fylke": ("Fylke", lambda c: (c.county.casefold(), c.rank)),
}
# URL names of the two record sets (Bokmål), and the export each one is.
EXPORTS = {"innsendinger": "submissions", "kommuner": "municipalities"}
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def page(request: Request):
    common.require_role(request, "viewer")
    web = common.ctx(request)
    now = common.now(request)
    board = figures.dashboard(web.app, now)
    sort = request.query_params.get("sorter", "folketall")
    if sort not in SORTS:
        sort = "folketall"
    calls = sorted(board.calls, key=SORTS[sort][1])
    share_chart = chart.share_chart(board.timeline, thresholds=[t.share for t in board.thresholds],
                                    deadline=board.deadline, now=now, tz=web.config.tz)
    return common.render(request, "web/dashboard.html", {
        "title": "Oversikt", "board": board, "s": board.status, "calls": calls,
        "sort": sort, "sorts": [(key, label) for key, (label, _f) in SORTS.items()],
        "chart": share_chart, "pct": chart.pct,
        "crossing": next((c for c in board.calls if c.crosses_target), None),
    })


def download(request: Request):
    common.require_role(request, "viewer")
    name, fmt = request.path_params["name"], request.path_params["fmt"]
    if name not in EXPORTS or fmt not in MEDIA_TYPES:
        raise HTTPException(404)
    app = common.ctx(request).app
    kind = EXPORTS[name]
    rows = reporting.export_submissions(app) if kind == "submissions" else reporting.export_municipalities(app)
    fields = list(rows[0]) if rows else list(exports.FIELDS[kind])
    if fmt == "csv":
        body = exports.csv_bytes(rows, fields)
    else:
        body = exports.xlsx_bytes(rows, fields, exports.SHEET_TITLES[kind])
    filename = exports.filename(name, fmt, common.now(request).astimezone(app.config.tz).date())
    return Response(body, media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


routes = [
    Route("/", page),
    Route("/eksport/{name}.{fmt}", download),
]
