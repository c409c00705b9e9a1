"""End-to-end intake throughput and idle-poll cost, against a private Dovecot.

Prints, for this machine:
- messages per second for N one-page text-PDF declarations fetched from Dovecot, stored
  and processed into SQLite (the full `poll --once` path);
- the time of an idle poll (connect, login, select, UID SEARCH, ledger check) on mailboxes
  of 1,000 and 20,000 already-stored messages, median and max of repeated polls.

Targets (issue 2): >= 50 messages/s; idle poll < 50 ms and flat between the sizes.
Run: make bench   (or .venv/bin/python bench/intake_throughput.py --count 1000)
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from imapclient import IMAPClient  # noqa: E402

from intake import commands  # noqa: E402
from intake.app import App  # noqa: E402
from intake.config import load_config  # noqa: E402
from intake.mailbox import open_mailbox  # noqa: E402
from intake.poller import poll  # noqa: E402
from intake.samples import declaration_batch  # noqa: E402
from storage import schema  # noqa: E402
from tests.fixtures.dovecot import DovecotServer  # noqa: E402

APPEND_CHUNK = 200   # messages per MULTIAPPEND: large enough to be quick, small enough for memory


def start_dovecot(root: Path) -> DovecotServer:
    path = os.environ.get("PATH", "") + os.pathsep + "/usr/sbin:/sbin"
    binary, doveadm = shutil.which("dovecot", path=path), shutil.which("doveadm", path=path)
    if not binary:
        sys.exit("bench: Dovecot is not installed (apt-get install dovecot-imapd)")
    root.mkdir(parents=True, exist_ok=True)
    server = DovecotServer(root, binary=binary, doveadm=doveadm)
    server.start()
    return server


def append_all(server: DovecotServer, folder: str, messages: list[bytes]) -> None:
    with IMAPClient(server.host, port=server.port, ssl=False) as client:
        client.login(server.username, server.password)
        if not client.folder_exists(folder):
            client.create_folder(folder)
        for i in range(0, len(messages), APPEND_CHUNK):
            client.multiappend(folder, messages[i:i + APPEND_CHUNK])


def small_message(i: int) -> bytes:
    return (f"From: postmottak@gran.kommune.no\r\nTo: akson@hod.dep.no\r\nSubject: filler {i}\r\n"
            f"Message-ID: <filler-{i}@bench>\r\nDate: Tue, 02 Jun 2020 10:00:00 +0200\r\n\r\n"
            f"Message {i}.\r\n").encode()


def make_app(tmp: Path, server: DovecotServer, folder: str) -> App:
    conf = tmp / f"config-{folder}.toml"
    conf.write_text(
        f'[mailbox]\nurl = "imap://{server.host}:{server.port}/{folder}"\n'
        f'username = "{server.username}"\npassword = "{server.password}"\nauthserv_id = "mx.dep.no"\n'
        f'[database]\nurl = "sqlite:///{tmp / "bench.db"}"\n', encoding="utf-8")
    return App(load_config(str(conf)))


def municipalities_for_factory(app: App) -> list[dict]:
    from intake.campaign import domains_by_number
    campaign = app.campaign()
    derived = domains_by_number(campaign.municipalities)
    return [{"number": m.number, "name": m.name, "county": m.county, "invited": m.number in campaign.invited,
             "language_form": m.language_form, "domain": sorted(derived[m.number])[0]}
            for m in campaign.municipalities if derived.get(m.number)]


def idle_polls(app: App, repeats: int) -> list[float]:
    cfg = app.config
    times = []
    for _ in range(repeats):
        box = open_mailbox(cfg["mailbox.url"], username=cfg["mailbox.username"], password=cfg["mailbox.password"])
        began = time.perf_counter()
        stats = poll(box, app.sessions, now=app.clock())
        times.append(time.perf_counter() - began)
        assert stats.stored == 0, "an idle poll must store nothing"
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="declarations for the throughput run")
    parser.add_argument("--big", type=int, default=20000, help="size of the large mailbox for idle polls")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="akson-bench-"))
    # Its own top folder: as root, Dovecot's mail processes run as an unprivileged user
    # that must be able to reach the mail directory.
    server = start_dovecot(Path(tempfile.mkdtemp(prefix="akson-bench-dovecot-")))
    rows = []
    try:
        app = make_app(tmp, server, "INBOX")
        schema.upgrade(app.config.database_url)
        samples = declaration_batch(municipalities_for_factory(app), args.count, seed=1)
        append_all(server, "INBOX", [s.raw for s in samples])

        began = time.perf_counter()
        polled, processed = commands.poll_and_process(app, app.clock())
        elapsed = time.perf_counter() - began
        rate = processed.processed / elapsed
        rows.append({"measure": f"end-to-end, {args.count} text-PDF declarations, Dovecot -> SQLite",
                     "value": round(rate, 1), "unit": "messages/s", "target": ">= 50",
                     "detail": f"{elapsed:.1f} s; decisions {processed.by_status}"})

        small = idle_polls(app, args.repeats)
        rows.append({"measure": f"idle poll, {args.count} stored messages", "value": round(statistics.median(small) * 1000, 1),
                     "unit": "ms (median)", "target": "< 50", "detail": f"max {max(small) * 1000:.1f} ms over {args.repeats}"})

        big_app = make_app(tmp, server, "Big")
        append_all(server, "Big", [small_message(i) for i in range(args.big)])
        box = open_mailbox(big_app.config["mailbox.url"], username=server.username, password=server.password)
        began = time.perf_counter()
        stored = poll(box, big_app.sessions, now=big_app.clock())
        store_rate = stored.stored / (time.perf_counter() - began)
        big = idle_polls(big_app, args.repeats)
        rows.append({"measure": f"idle poll, {args.big} stored messages", "value": round(statistics.median(big) * 1000, 1),
                     "unit": "ms (median)", "target": "< 50, flat",
                     "detail": f"max {max(big) * 1000:.1f} ms; filling it stored {store_rate:.0f} msg/s"})
        app.close()
        big_app.close()
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    width = max(len(r["measure"]) for r in rows)
    for r in rows:
        print(f"{r['measure']:<{width}}  {r['value']:>8} {r['unit']:<12} target {r['target']:<10} {r['detail']}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"intake-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%SZ}.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
