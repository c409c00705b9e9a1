"""``make accuracy``: the real pipeline over labelled mail, scored by ``intake.accuracy``.

Two sets: a labelled corpus folder (``messages/*.eml``, ``truth.json``, ``contacts.csv``,
e.g. ``../shared/corpus/public``), and a labelled sample set made at run time by the
sample factory (``intake.samples``, scans and photos included; nothing is written to the
repository). Each set goes through a fresh maildir and SQLite database in a temporary
folder, exactly as ``poll --once`` would process it, with the receiving server's
authserv-id set as in production; the exported submissions are then scored.

Usage: python -m intake.accuracy_run [--corpus DIR] [--samples N] [--seed S] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import mailbox
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intake import commands, reporting
from intake.accuracy import as_json, format_table, score
from intake.app import App
from intake.config import parse_config
from storage import repo, schema
from storage.db import session_scope

# The receiving server named in the corpus's and the factory's Authentication-Results.
AUTHSERV_ID = "mx.dep.no"
# The campaign clock for processing: after the deadline, so nothing is "in the future".
PROCESS_AT = "2020-07-15T12:00:00+02:00"
DEFAULT_JSON = Path("var/accuracy/report.json")


@dataclass
class SetResult:
    name: str
    labels: list[dict]
    submissions: list[dict]
    seconds: float
    ocr_pages: int
    ocr_seconds: float


def _app(workdir: Path) -> App:
    config = parse_config({
        "mailbox": {"url": f"maildir://{workdir / 'inbox'}", "authserv_id": AUTHSERV_ID},
        "database": {"url": f"sqlite:///{workdir / 'akson.db'}"},
        "smtp": {"url": f"maildir://{workdir / 'outbox'}"},
    }, base_dir=workdir)
    app = App(config)
    schema.upgrade(app.config.database_url)
    return app


def process(app: App, raws: Sequence[bytes], contacts: str | None) -> list[dict]:
    """Deliver ``raws`` to the app's maildir, poll once, return the exported submissions."""
    if contacts:
        with session_scope(app.sessions) as s:
            repo.import_contacts(s, contacts)
    box = mailbox.Maildir(app.config.local_path(app.config["mailbox.url"]), create=True)
    for raw in raws:
        box.add(raw)
    commands.poll_and_process(app, app.clock(PROCESS_AT))
    return reporting.export_submissions(app)


def _finish(name: str, app: App, labels: list[dict], subs: list[dict], started: float) -> SetResult:
    stats = app.ocr.stats if app.ocr is not None else None
    app.close()
    return SetResult(name, labels, subs, time.monotonic() - started,
                     stats.pages if stats else 0, stats.seconds if stats else 0.0)


def run_corpus(folder: Path, workdir: Path) -> SetResult:
    """A labelled corpus folder: messages/, truth.json, contacts.csv (optional)."""
    started = time.monotonic()
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    labels = truth["messages"]
    raws = [(folder / label["file"]).read_bytes() for label in labels]
    contacts_file = folder / "contacts.csv"
    contacts = contacts_file.read_text(encoding="utf-8-sig") if contacts_file.exists() else None
    app = _app(workdir)
    subs = process(app, raws, contacts)
    return _finish(str(folder), app, labels, subs, started)


def run_samples(count: int, seed: int, workdir: Path) -> SetResult:
    """``count`` labelled messages from the sample factory, as the demo makes them."""
    from intake.demo import CAMPAIGN_START, _demo_municipalities
    from intake.samples import build_campaign
    from intake.samples.campaign import DEADLINE
    started = time.monotonic()
    app = _app(workdir)
    municipalities, contacts = _demo_municipalities(app)
    # Over the whole campaign and a week past the deadline, so late mail is in the set.
    end = DEADLINE.replace(day=7)
    samples = build_campaign(municipalities, seed=seed, count=count, start=CAMPAIGN_START, end=end)
    labels = [{**s.label, "id": f"sample {i + 1:03d}"} for i, s in enumerate(samples)]
    subs = process(app, [s.raw for s in samples], contacts)
    return _finish(f"{count} factory samples, seed {seed}", app, labels, subs, started)


def report(results: Sequence[SetResult]) -> tuple[str, dict[str, Any]]:
    texts, data = [], {}
    for result in results:
        rows = score(result.labels, result.submissions)
        per_page = result.ocr_seconds / result.ocr_pages if result.ocr_pages else None
        timing = (f"{len(result.labels)} messages in {result.seconds:.1f} s; OCR {result.ocr_pages} "
                  f"page(s) in {result.ocr_seconds:.1f} s"
                  + (f" ({per_page:.2f} s per page)" if per_page else ""))
        texts.append(format_table(f"== {result.name}", rows) + "\n" + timing)
        data[result.name] = {"categories": as_json(rows), "seconds": round(result.seconds, 2),
                             "ocr_pages": result.ocr_pages, "ocr_seconds": round(result.ocr_seconds, 2),
                             "ocr_seconds_per_page": round(per_page, 3) if per_page else None}
    return "\n\n".join(texts), data


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="accuracy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", action="append", default=[], type=Path,
                        help="labelled corpus folder (messages/, truth.json); repeatable")
    parser.add_argument("--samples", type=int, default=120, help="factory samples (0: none)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where the JSON report goes")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="akson-accuracy-") as tmp:
        for index, folder in enumerate(args.corpus):
            if not (folder / "truth.json").exists():
                print(f"accuracy: {folder} has no truth.json", file=sys.stderr)
                return 2
            results.append(run_corpus(folder, Path(tmp) / f"corpus{index}"))
        if args.samples > 0:
            results.append(run_samples(args.samples, args.seed, Path(tmp) / "samples"))
    text, data = report(results)
    print(text)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nJSON report: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
