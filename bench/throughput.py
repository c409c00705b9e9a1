"""End-to-end throughput of the worker (Dovecot -> database), the naive baseline and the
floor, all on the same messages.

- service: N `akson-intake run` worker processes started together on a mailbox holding
  the messages and an empty database; the clock stops when every message has its
  submission (fetch, store, walk, extract, decide, record, queue the acknowledgement).
- naive: one imaplib-style loop (IMAPClient) fetching each message by UID, pdfplumber
  `extract_text()` on every page of every PDF; no database.
- floor: one `UID FETCH 1:* BODY.PEEK[]` of the same messages, plus pypdfium2 text
  extraction of the same PDFs: what reading the bytes and the text costs at least.
"""
from __future__ import annotations

import email
import email.policy
import io
import time
from pathlib import Path

from imapclient import IMAPClient

from tests.fixtures.worker import WorkerProcess
from tests.fixtures.worker import append_all as _append_all

# How long one run may take before the bench gives up on it (the slowest, 100 scans
# without OCR or 1,000 PDFs on one worker, takes a few minutes on 2 busy cores).
RUN_TIMEOUT_S = 1800


def append_all(server, raws: list[bytes], folder: str) -> None:
    with server.client() as client:
        if not client.folder_exists(folder):
            client.create_folder(folder)
    _append_all(server, raws, folder)


def _submissions(db_url: str) -> int:
    from sqlalchemy import create_engine, text
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM submission")).scalar_one()
    finally:
        engine.dispose()


def service(setup_, server, folder: str, raws: list[bytes], workers: int, tmp: Path) -> dict:
    append_all(server, raws, folder)
    procs = [WorkerProcess(setup_.config, tmp / f"worker{i}.log") for i in range(workers)]
    began = time.perf_counter()
    for proc in procs:
        proc.start()
    try:
        while (done := _submissions(setup_.db_url)) < len(raws):
            if time.perf_counter() - began > RUN_TIMEOUT_S:
                raise RuntimeError(f"{done} of {len(raws)} processed after {RUN_TIMEOUT_S} s")
            if not any(p.alive() for p in procs):
                raise RuntimeError(f"every worker exited; log:\n{procs[0].log_text()[-2000:]}")
            time.sleep(0.05)
        elapsed = time.perf_counter() - began
    finally:
        for proc in procs:
            proc.ensure_stopped() if not proc.alive() else proc.stop()
    return {"seconds": elapsed, "rate": len(raws) / elapsed}


def naive(server, folder: str) -> dict:
    import pdfplumber
    began = time.perf_counter()
    count = pages = 0
    with IMAPClient(server.host, port=server.port, ssl=False) as client:
        client.login(server.username, server.password)
        client.select_folder(folder, readonly=True)
        for uid in client.search("ALL"):
            raw = client.fetch([uid], [b"RFC822"])[uid][b"RFC822"]
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            for part in msg.iter_attachments():
                if part.get_content_type() == "application/pdf":
                    with pdfplumber.open(io.BytesIO(part.get_content())) as pdf:
                        for page in pdf.pages:
                            page.extract_text()
                            pages += 1
            count += 1
    elapsed = time.perf_counter() - began
    return {"seconds": elapsed, "rate": count / elapsed, "pages": pages}


def floor(server, folder: str, pdfs: list[bytes]) -> dict:
    import pypdfium2 as pdfium
    began = time.perf_counter()
    with IMAPClient(server.host, port=server.port, ssl=False) as client:
        client.login(server.username, server.password)
        client.select_folder(folder, readonly=True)
        fetched = client.fetch(client.search("ALL"), [b"BODY.PEEK[]"])   # one UID FETCH
    fetch_s = time.perf_counter() - began
    began = time.perf_counter()
    for data in pdfs:
        pdf = pdfium.PdfDocument(data)
        for page in pdf:
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
        pdf.close()
    extract_s = time.perf_counter() - began
    total = fetch_s + extract_s
    return {"seconds": total, "rate": len(fetched) / total, "fetch_s": fetch_s, "extract_s": extract_s}
