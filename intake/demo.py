"""``akson-intake demo``: the embedded default on sample mail made by the factory.

It builds its own folder (maildir inbox, SQLite database, file outbox, config), seeds the
inbox with realistic submissions, runs one cycle of every job with a progress bar at a
moment of the campaign (the morning of the 7-day reminder), and prints the campaign
status, the review queue and where to read the mail it sent.
"""
from __future__ import annotations

import datetime as dt
import io
import mailbox
import shutil
import sys
from contextlib import redirect_stdout
from pathlib import Path

from intake import commands, reporting
from intake.app import App
from intake.worker import make_notifier, remind_once, send_once
from intake.config import load_config
from intake.campaign import domains_by_number
from storage import repo, schema
from storage.db import session_scope

MARKER = ".akson-demo"
CAMPAIGN_START = dt.datetime(2020, 5, 6, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
# Mail arrives until the evening before the demo's clock: the morning of the 7-day step.
CAMPAIGN_END = dt.datetime(2020, 6, 23, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
DEMO_NOW = "2020-06-24T09:05:00+02:00"
DEMO_USER = "demo"


def _prepare_dir(path: Path) -> None:
    """Start from scratch, but never delete a folder the demo did not make."""
    if path.exists():
        if not (path / MARKER).exists():
            raise SystemExit(f"akson-intake: {path} exists and is not a demo folder; choose another --dir")
        shutil.rmtree(path)
    path.mkdir(parents=True)
    (path / MARKER).write_text("made by akson-intake demo\n", encoding="utf-8")


def _config_text(path: Path) -> str:
    return (
        "# Written by 'akson-intake demo'.\n"
        "[mailbox]\n"
        f'url = "maildir://{(path / "inbox").resolve()}"\n'
        'authserv_id = "mx.dep.no"\n'
        "[database]\n"
        f'url = "sqlite:///{(path / "akson-intake.db").resolve()}"\n'
        "[smtp]\n"
        f'url = "maildir://{(path / "outbox").resolve()}"\n'
    )


def _demo_municipalities(app: App) -> tuple[list[dict], str]:
    """Municipality descriptions for the factory, and a contacts CSV that matches them."""
    campaign = app.campaign()
    derived = domains_by_number(campaign.municipalities)
    out, csv_lines = [], ["number,email"]
    for m in campaign.municipalities:
        domains = sorted(derived.get(m.number, ()))
        # Homonyms get no conventional domain; give them one the way the ministry would,
        # from their official contact address.
        domain = domains[0] if domains else f"{m.number}.kommune.no"
        out.append({"number": m.number, "name": m.name, "county": m.county, "invited": m.number in campaign.invited,
                    "language_form": m.language_form, "domain": domain})
        csv_lines.append(f"{m.number},postmottak@{domain}")
    return out, "\n".join(csv_lines) + "\n"


def _seed_inbox(inbox: Path, municipalities: list[dict], count: int, seed: int) -> int:
    from intake.samples import build_campaign
    samples = build_campaign(municipalities, seed=seed, count=count, start=CAMPAIGN_START, end=CAMPAIGN_END)
    box = mailbox.Maildir(str(inbox), create=True)
    for sample in samples:
        box.add(sample.raw)
    return len(samples)


def _progress(total: int):
    state = {"done": 0}

    def tick(_decision) -> None:
        state["done"] += 1
        width = 30
        filled = width * state["done"] // max(total, 1)
        sys.stderr.write(f"\rprocessing [{'#' * filled}{'.' * (width - filled)}] {state['done']}/{total}")
        if state["done"] >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()
    return tick


def run_demo(args) -> int:
    path = Path(args.dir)
    _prepare_dir(path)
    config_path = path / "config.toml"
    config_path.write_text(_config_text(path), encoding="utf-8")
    app = App(load_config(str(config_path)))
    schema.upgrade(app.config.database_url)
    municipalities, contacts = _demo_municipalities(app)
    with session_scope(app.sessions) as s:
        repo.import_contacts(s, contacts)
    count = _seed_inbox(path / "inbox", municipalities, args.count, args.seed)
    print(f"seeded {count} sample messages into {path / 'inbox'}")
    clock = app.clock(DEMO_NOW)
    polled, processed = commands.poll_and_process(app, clock, progress=_progress(count))
    print(f"stored {polled.stored} messages; decisions: "
          + ", ".join(f"{k} {v}" for k, v in sorted(processed.by_status.items())))
    notifier = make_notifier(app)
    reminders = remind_once(app, notifier, clock())
    sent = send_once(app, clock)
    print(f"campaign clock {DEMO_NOW}: {len(reminders.queued)} reminders queued; "
          f"outbox: {sent.sent} mails written, {sent.failed} failed")
    print()
    print(reporting.format_status(reporting.status(app)))
    print()
    buf = io.StringIO()
    with redirect_stdout(buf):
        from intake import review
        review.run(app, _Args(review_command="list", json=False, all=False))
    print(buf.getvalue().rstrip())
    print()
    outbox = path / "outbox" / "new"
    example = _example_mail(outbox)
    print(f"The mail the service sent is in {outbox}, one file per message"
          + (f"; e.g. less {example}" if example else "") + ".")
    print(f"Everything is in {path}: config {config_path}; try "
          f"'akson-intake --config {config_path} export submissions'.")
    if args.no_web:
        app.close()
        return 0
    try:
        return _serve(app, args)
    finally:
        app.close()


def _serve(app: App, args) -> int:
    """The web UI on the demo data, its clock running on from the demo's moment."""
    import secrets
    import time
    from intake import accounts
    from intake.web.serve import address_of, bind, serve
    from storage import webusers

    password = secrets.token_urlsafe(12)
    with session_scope(app.sessions) as s:
        webusers.add_user(s, DEMO_USER, "reviewer", accounts.hash_password(password), now=app.now(DEMO_NOW))
    sock = bind(args.host, args.port)
    start, started = app.now(DEMO_NOW), time.monotonic()
    print()
    print(f"Web UI: {address_of(sock)}  log in as {DEMO_USER} with password {password}")
    print("Ctrl-C stops it.", flush=True)
    return serve(app, host=args.host, port=args.port, sock=sock, announce=False,
                 clock=lambda: start + dt.timedelta(seconds=time.monotonic() - started))


def _example_mail(outbox: Path) -> Path | None:
    """An acknowledgement if there is one (more telling than a reminder)."""
    files = sorted(outbox.glob("*.eml")) if outbox.exists() else []
    for f in files:
        if b"Auto-Submitted: auto-replied" in f.read_bytes():
            return f
    return files[0] if files else None


class _Args:
    def __init__(self, **kw) -> None:
        self.__dict__.update(kw)
