"""The review queue (placeholder until the full page lands)."""
from __future__ import annotations

from starlette.routing import Route

from intake.web import common

nav = ("Gjennomgang", "/review")


def queue(request):
    common.require_role(request, "viewer")
    return common.render(request, "web/error.html", {"title": "Gjennomgang", "text": "Kommer."})


routes = [Route("/review", queue)]
