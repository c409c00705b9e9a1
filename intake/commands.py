"""What each CLI command does, in terms of the application's parts."""
from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from pathlib import Path

from intake import reporting, review
from intake.app import App, AppError, UsageError
from intake.config import ConfigError
from intake.mailbox import open_mailbox, token_from_command, token_from_env
from intake.mailbox.base import MailboxAuthError, MailboxError, MailboxUnavailable
from intake.poller import poll
from intake.process import make_analyser, process_pending
from intake.reminders import format_run
from intake.worker import make_notifier, remind_once, run_cycle, run_forever, send_once
from storage import repo, schema
from storage.db import session_scope
from storage.errors import ContactImportError, StorageError
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger("akson.cli")

def dispatch(app: App, args) -> int:
    try:
        handler = _HANDLERS[args.command]
        if getattr(args, "now", None):
            app.now(args.now)   # a malformed --now is a usage error, whatever else is wrong
        if handler is not db:
            app.check_schema()
        return handler(app, args)
    except StorageError as err:
        raise AppError(f"database: {err}") from err
    except SQLAlchemyError as err:
        raise AppError(f"database: {str(err).splitlines()[0]}") from err
    finally:
        app.close()


def db(app: App, args) -> int:
    schema.upgrade(app.config.database_url)
    print("database is up to date")
    return 0


def open_configured_mailbox(app: App):
    cfg = app.config
    token = None
    if cfg["mailbox.oauth2_token_env"]:
        var = cfg["mailbox.oauth2_token_env"]
        token = lambda: token_from_env(var)  # noqa: E731 - read afresh at each login
    elif cfg["mailbox.oauth2_token_command"]:
        argv = list(cfg["mailbox.oauth2_token_command"])
        token = lambda: token_from_command(argv, timeout=30)  # noqa: E731
    url = cfg["mailbox.url"]
    if url.startswith("maildir://"):
        url = "maildir://" + str(cfg.local_path(url))
    try:
        return open_mailbox(url, username=cfg["mailbox.username"], password=cfg.secret("mailbox", "password"),
                            oauth2_token=token, processed_folder=cfg["mailbox.processed_folder"],
                            timeout=float(cfg["mailbox.timeout_seconds"]))
    except ValueError as err:
        raise ConfigError("mailbox.url", str(err)) from err


def poll_and_process(app: App, clock, *, progress=None, notifier=None, stop=None) -> tuple:
    box = open_configured_mailbox(app)
    try:
        polled = poll(box, app.sessions, now=clock)
    except MailboxAuthError as err:
        raise ConfigError("mailbox.username", f"login refused by {box.key}: {err}") from err
    except MailboxUnavailable as err:
        raise ConfigError("mailbox.url", f"cannot reach {box.key}: {err}") from err
    except MailboxError as err:
        raise AppError(f"mailbox {box.key}: {err}") from err
    campaign = app.campaign()
    analyser = make_analyser(campaign, authserv_id=app.config["mailbox.authserv_id"],
                             own_addresses=app.own_addresses(), ocr=app.ocr, trust_roots=app.trust_roots,
                             intermediaries=app.config["senders.intermediaries"])
    processed = process_pending(app.sessions, analyser, now=clock, on_done=progress,
                                notifier=notifier or make_notifier(app), stop=stop,
                                lease_for=dt.timedelta(seconds=app.config["worker.processing_lease_seconds"]))
    return polled, processed


def _poll_line(polled, processed) -> str:
    return (f"polled {polled.mailbox}: {polled.stored} new, {polled.duplicates} duplicate content, "
            f"{polled.failed} failed; processed {processed.processed} "
            + " ".join(f"{k}={v}" for k, v in sorted(processed.by_status.items())))


def poll_once(app: App, args) -> int:
    polled, processed = poll_and_process(app, app.clock(args.now))
    print(_poll_line(polled, processed))
    return 1 if polled.failed or processed.errors else 0


def run(app: App, args) -> int:
    logging.getLogger("akson").setLevel(logging.INFO)   # the worker's log is its record
    if not args.once:
        return run_forever(app, poll_and_process=poll_and_process)
    clock = app.clock(args.now)
    result = run_cycle(app, clock, poll_and_process=poll_and_process)
    if result.polled is not None:
        print(_poll_line(result.polled, result.processed))
    if result.reminders is not None:
        print(format_run(result.reminders, dry_run=False, tz=app.config.tz))
    if result.sent is not None:
        print(_send_line(result.sent))
        for line in result.sent.errors:
            print(f"mail: {line}", file=sys.stderr)
    for err in result.errors:
        print(f"error: {err}", file=sys.stderr)
    # A mail refused or postponed is recorded and shown by status; only trouble of the
    # service itself (mailbox, database) makes the cycle fail.
    failed = result.errors or (result.polled is not None and (result.polled.failed or result.processed.errors))
    return 1 if failed or (result.sent and result.sent.internal) else 0


def _send_line(stats) -> str:
    return f"outbox: sent {stats.sent}, retrying {stats.retried}, failed {stats.failed}"


def send(app: App, args) -> int:
    stats = send_once(app, app.clock(args.now))
    print(_send_line(stats))
    for line in stats.errors:
        print(f"mail: {line}", file=sys.stderr)
    return 1 if stats.internal else 0


def remind_cmd(app: App, args) -> int:
    now = app.now(args.now)
    run = remind_once(app, make_notifier(app), now, dry_run=args.dry_run)
    print(format_run(run, dry_run=args.dry_run, tz=app.config.tz))
    return 0


def templates_cmd(app: App, args) -> int:
    from intake.preview import preview
    print(preview(app, make_notifier(app), args.name, args.municipality, args.lang))
    return 0


def status(app: App, args) -> int:
    data = reporting.status(app, app.now(args.now) if args.now else None)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(reporting.format_status(data))
    return 0


def export(app: App, args) -> int:
    rows = reporting.export_submissions(app) if args.what == "submissions" else reporting.export_municipalities(app)
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        reporting.write_csv(rows, sys.stdout)
    return 0


def municipalities(app: App, args) -> int:
    if args.muni_command == "import":
        path = Path(args.file)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as err:
            raise UsageError(f"{args.file}: cannot read: {err}") from err
        try:
            with session_scope(app.sessions) as s:
                result = repo.import_contacts(s, text)
        except ContactImportError as err:
            raise UsageError(f"{args.file}: {err} (nothing was imported)") from err
        print(f"imported {result}")
        return 0
    rows = reporting.municipality_list(app)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print(reporting.format_municipality_list(rows))
    return 0


def review_cmd(app: App, args) -> int:
    return review.run(app, args)


def web(app: App, args) -> int:
    from intake.web.serve import serve
    return serve(app, host=args.host or app.config["web.host"], port=args.port or app.config["web.port"],
                 clock=app.clock(args.now))


def users(app: App, args) -> int:
    from intake.accounts import users_cmd
    return users_cmd(app, args)


def demo(args) -> int:
    from intake.demo import run_demo
    return run_demo(args)


_HANDLERS = {
    "db": db, "run": run, "poll": poll_once, "send": send, "remind": remind_cmd, "templates": templates_cmd,
    "status": status, "export": export, "municipalities": municipalities,
    "review": review_cmd, "web": web, "users": users,
}
