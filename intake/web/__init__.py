"""The staff web UI: server-rendered pages on Starlette, served by uvicorn.

Conventions for page modules (``intake/web/<page>.py``):

- A module exposes ``routes: list`` of Starlette routes and may expose
  ``nav = ("Label", "/path")`` to get an entry in the navigation. ``intake.web.app``
  mounts the modules listed in ``PAGE_MODULES``; a missing module is skipped.
- GET endpoints are plain ``def`` (Starlette runs them in a threadpool). They start with
  ``user = common.require_role(request, "viewer")`` and use ``with common.db(request) as s:``
  for one transaction, then ``return common.render(request, "web/x.html", {...})``.
  ``render`` adds ``user``, ``nav``, ``review_count``, ``csrf_token``, ``flash`` and
  ``campaign_name`` to the context; templates extend ``web/base.html`` and fill the
  blocks ``title`` and ``content``.
- POST endpoints are ``async def``: ``form = await common.checked_form(request)`` checks
  the CSRF token (403 otherwise), then ``await run_in_threadpool(work, ...)`` does the
  database part; finish with ``common.redirect(request, url, flash="...")`` (303).
  Every form carries ``<input type="hidden" name="csrf_token" value="{{ csrf_token }}">``;
  a test posts to every POST route without it and expects 403.
- State changes need ``require_role(request, "reviewer")``; viewers only look.
- Templates: one sandboxed environment, autoescape on, StrictUndefined; never build HTML
  in Python (no ``Markup`` of data). Filters: ``datotid``, ``dato``, ``tall``, ``prosent``,
  ``arsak`` (a reason code in words).
- No inline script or style (the Content-Security-Policy forbids them): CSS and JS are
  files in ``intake/web/static/`` served under ``/static/``. Interface text in Bokmål.
- The clock is ``common.now(request)``; never read the wall clock in a page.
"""
