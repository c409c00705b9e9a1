"""Every benchmark in one run: one table on stdout, the same rows as JSON in bench/results/.

    python -m bench            # the full sizes of the targets (about half an hour here)
    python -m bench --quick    # tiny sizes, a minute or two: proves the bench works

Targets: text-PDF throughput >= 5x the naive baseline and >= half the floor; idle poll
< 50 ms and flat; IDLE latency p95 < 3 s + OCR time; peak RSS < 400 MB.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import env, probes, throughput  # noqa: E402

FULL = {"text": 1000, "scanned": 100, "idle": [1000, 20000, 100000], "arrivals": 50, "repeats": 15,
        "workers": [1, 2, 4]}
QUICK = {"text": 12, "scanned": 2, "idle": [50, 200], "arrivals": 3, "repeats": 3, "workers": [1, 2]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the bench runs")
    parser.add_argument("--only", choices=["throughput", "baseline", "idle", "latency", "memory"],
                        action="append", help="run only these parts (repeatable); baseline: the naive "
                        "baseline and the floor without the service runs")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    parts = set(args.only or ["throughput", "idle", "latency", "memory"])
    tmp = Path(tempfile.mkdtemp(prefix="akson-bench-"))
    rows: list[dict] = []
    described = env.machine()
    try:
        if "throughput" in parts or "baseline" in parts:
            rows += throughput_rows(tmp, sizes, service="throughput" in parts)
        if "idle" in parts:
            rows += idle_rows(tmp, sizes)
        if "latency" in parts:
            rows += latency_rows(tmp, sizes)
        if "memory" in parts:
            rows += memory_rows(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report(rows, described, args.out)
    return 0


def row(measure: str, value: float, unit: str, target: str, detail: str) -> dict:
    # Each figure also goes to stderr as it is measured: a long run shows its progress.
    print(f"bench: {measure}: {value:.2f} {unit} ({detail})", file=sys.stderr, flush=True)
    return {"measure": measure, "value": round(value, 2), "unit": unit, "target": target, "detail": detail}


def throughput_rows(tmp: Path, sizes: dict, service: bool = True) -> list[dict]:
    rows = []
    server = env.start_dovecot()
    try:
        with env.pg_database() as pg:
            first = env.setup(tmp / "sqlite-1", server, "T-sqlite-1", f"sqlite:///{tmp / 'sqlite-1' / 'akson.db'}")
            text = env.text_messages(first, sizes["text"])
            scans = env.scanned_messages(first, sizes["scanned"])
            runs = [("sqlite", 1, None)] + ([("postgresql", n, pg) for n in sizes["workers"]] if pg else [])
            runs = runs if service else []
            for label, raws in (("text-PDF", text), ("scanned (image-only PDF, no OCR configured)", scans)):
                rows += _kind_rows(tmp, server, label, raws, runs, first)
    finally:
        env.stop_dovecot(server)
    return rows


def _kind_rows(tmp, server, label, raws, runs, first) -> list[dict]:
    from bench.throughput import append_all
    kind = "text" if label == "text-PDF" else "scan"
    rows = []
    append_all(server, raws, f"Base-{kind}")
    base = throughput.naive(server, f"Base-{kind}")
    low = throughput.floor(server, f"Base-{kind}", env.pdfs_of(raws))
    rows.append(row(f"naive baseline, {len(raws)} {label}", base["rate"], "msg/s", "-",
                    f"IMAP loop + pdfplumber, {base['pages']} pages, {base['seconds']:.1f} s"))
    rows.append(row(f"floor, {len(raws)} {label}", low["rate"], "msg/s", "-",
                    f"UID FETCH 1:* {low['fetch_s']:.2f} s + pypdfium2 {low['extract_s']:.2f} s"))
    for backend, workers, pg in runs:
        name = f"{kind}-{backend}-{workers}"
        home = tmp / name
        if backend == "sqlite":
            setup_ = env.setup(home, server, name, f"sqlite:///{home / 'akson.db'}")
        else:
            schema_url = _pg_schema(pg, name)
            setup_ = env.setup(home, server, name, schema_url)
        got = throughput.service(setup_, server, name, raws, workers, home)
        rows.append(row(f"service, {len(raws)} {label}, Dovecot -> {backend}, {workers} worker(s)",
                        got["rate"], "msg/s", ">= 5x naive, >= 0.5x floor" if kind == "text" else "-",
                        f"{got['seconds']:.1f} s; {got['rate'] / base['rate']:.1f}x naive, "
                        f"{got['rate'] / low['rate']:.2f}x floor"))
    return rows


def _pg_schema(pg_url: str, name: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    schema = name.replace("-", "_")
    engine = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return make_url(pg_url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False)


def idle_rows(tmp: Path, sizes: dict) -> list[dict]:
    rows = []
    server = env.start_dovecot(prefill=probes.prefill(sizes["idle"]))
    try:
        for size in sizes["idle"]:
            got = probes.idle_poll(tmp, server, size, sizes["repeats"])
            rows.append(row(f"idle poll, {got['messages']} processed messages", got["median_ms"], "ms (median)",
                            "< 50, flat", f"max {got['max_ms']:.1f} ms over {sizes['repeats']} polls; "
                            f"a bare connect+login+SELECT alone: {got['connect_ms']:.1f} ms"))
    finally:
        env.stop_dovecot(server)
    return rows


def latency_rows(tmp: Path, sizes: dict) -> list[dict]:
    server = env.start_dovecot()
    try:
        home = tmp / "latency"
        setup_ = env.setup(home, server, "INBOX", f"sqlite:///{home / 'akson.db'}")
        raws = env.text_messages(setup_, sizes["arrivals"])
        got = probes.latency(setup_, server, "INBOX", raws, home)
    finally:
        env.stop_dovecot(server)
    how = "IMAP IDLE" if got["idle"] else "polling (no IDLE seen in the worker log)"
    return [row(f"arrival to acknowledgement, {got['n']} arrivals, {how}", got["p95_s"], "s (p95)",
                "< 3 + OCR", f"median {got['median_s']:.2f} s; text-PDF declarations, SQLite, maildir outbox")]


def memory_rows(tmp: Path) -> list[dict]:
    rows = []
    for name, what in (("attachment_40mb", "40 MB attachment"), ("pdf_10000_pages", "10,000-page PDF")):
        got = probes.peak_rss(tmp, name)
        rows.append(row(f"peak RSS, poll --once of a {what}", got["peak_mb"], "MB", "< 400",
                        f"{got['size_mb']:.1f} MB message, {got['seconds']:.1f} s wall"))
    return rows


def report(rows: list[dict], described: str, out: Path) -> None:
    print(f"machine: {described}")
    if rows:
        width = max(len(r["measure"]) for r in rows)
        for r in rows:
            print(f"{r['measure']:<{width}}  {r['value']:>9} {r['unit']:<12} target {r['target']:<28} {r['detail']}")
    out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    (out / f"bench-{stamp}.json").write_text(json.dumps({"machine": described, "rows": rows}, indent=2))


if __name__ == "__main__":
    sys.exit(main())
