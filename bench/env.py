"""What every benchmark needs: the machine's description, a private Dovecot, a fresh
PostgreSQL database, a worker config, and the messages (text-PDF and scanned
declarations) made by the sample factory."""
from __future__ import annotations

import contextlib
import email
import email.policy
import os
import platform
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.fixtures import dovecot as dovecot_fixture
from tests.fixtures.worker import Setup, campaign_setup, declarations

PG_ADMIN_URL = os.environ.get("AKSON_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{platform.platform()}; nproc {os.cpu_count()}; {cpu}; load average {load} "
            f"(at {time.strftime('%H:%M:%S')}); Python {platform.python_version()}")


def start_dovecot(prefill=None) -> dovecot_fixture.DovecotServer:
    """A Dovecot on a free loopback port; ``prefill(mail_root)`` may write maildirs first."""
    binary, doveadm = dovecot_fixture._require_binaries()
    root = Path(tempfile.mkdtemp(prefix="akson-bench-dovecot-"))
    server = dovecot_fixture.DovecotServer(root, binary=binary, doveadm=doveadm)
    if prefill is not None:
        server._write_config()          # creates mail/ with the right owner
        prefill(root / "mail" / server.username / "Maildir")
        if os.getuid() == 0:
            owner = dovecot_fixture.pwd.getpwnam(dovecot_fixture._accounts()["mail"])
            for dirpath, _dirs, files in os.walk(root / "mail"):
                os.chown(dirpath, owner.pw_uid, owner.pw_gid)
                for name in files:
                    os.chown(os.path.join(dirpath, name), owner.pw_uid, owner.pw_gid)
    server.start()
    return server


def stop_dovecot(server) -> None:
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)


@contextlib.contextmanager
def pg_database():
    """A fresh PostgreSQL database for one run, dropped afterwards; None when unreachable."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    name = f"akson_bench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as err:  # noqa: BLE001 - reported as a missing row, not a crash
        admin.dispose()
        print(f"bench: PostgreSQL not available ({type(err).__name__}); its rows are skipped")
        yield None
        return
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def setup(tmp: Path, server, folder: str, db_url: str, **extra) -> Setup:
    tmp.mkdir(parents=True, exist_ok=True)
    outbox = tmp / "outbox"
    return campaign_setup(tmp, mailbox_url=server.url(folder), db_url=db_url,
                          smtp_url=f"maildir://{outbox}", username=server.username,
                          password=server.password, extra=extra)


def text_messages(setup_: Setup, n: int) -> list[bytes]:
    return declarations(setup_, n, seed=6)


def scanned_messages(setup_: Setup, n: int) -> list[bytes]:
    """The first ``n`` text-PDF declarations with each PDF replaced by its scan (image only)."""
    from intake.samples import scanned
    out = []
    for index, raw in enumerate(declarations(setup_, n, seed=16)):
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        for part in msg.iter_attachments():
            if part.get_content_type() == "application/pdf":
                image_pdf = scanned(part.get_content(), seed=index)
                part.set_content(image_pdf, maintype="application", subtype="pdf",
                                 filename=part.get_filename())
        out.append(msg.as_bytes(policy=email.policy.SMTP))
    return out


def pdfs_of(raws: list[bytes]) -> list[bytes]:
    found = []
    for raw in raws:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        found += [p.get_content() for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
    return found
