"""Nothing is lost: a crash between fetch and commit, against a real Dovecot.

GIVEN three messages in a Dovecot INBOX and a processed folder configured,
WHEN a poll dies after fetching the second message but before its bytes are committed
(an exception in-process, or SIGKILL of a real `akson-intake poll --once` process),
THEN that message is still unseen and unmoved in the INBOX, the next poll stores and
processes it exactly once, and a further poll of the unchanged mailbox inserts nothing.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from intake import poller
from tests.fixtures.dovecot import dovecot, dovecot_factory  # noqa: F401
from tests.helpers import ROOT, cli_json, make_config, run_cli

pytestmark = pytest.mark.dovecot


def _message(n: int) -> bytes:
    return (f"From: Postmottak <postmottak@gran.kommune.no>\r\nTo: akson@hod.dep.no\r\n"
            f"Subject: Spørsmål {n}\r\nMessage-ID: <crash-{n}@gran.kommune.no>\r\n"
            f"Date: Tue, 02 Jun 2020 10:0{n}:00 +0200\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\nHvem kan vi kontakte om Akson?\r\n").encode()


@pytest.fixture
def setup(dovecot, tmp_path):
    for n in (1, 2, 3):
        dovecot.append(_message(n))
    url = dovecot.url().replace("imap://", f"imap://")
    config = make_config(tmp_path, inbox=url, extra=(
        f'username = "{dovecot.username}"\npassword = "{dovecot.password}"\n'
        'processed_folder = "Processed"\n'))
    assert run_cli(config, "db", "upgrade").code == 0
    return dovecot, config


def _assert_second_untouched(server):
    flags = server.flags_of_all("INBOX")
    assert len(flags) == 2, "messages 2 and 3 must still be in the INBOX"
    assert all("\\Seen" not in f for f in flags.values()), flags
    assert server.message_count("Processed") == 1


def _assert_recovers(server, config):
    result = run_cli(config, "poll", "--once")
    assert result.code == 0, result.err
    subs = cli_json(config, "export", "submissions", "--format", "json")
    assert sorted(s["message_id"] for s in subs) == [f"<crash-{n}@gran.kommune.no>" for n in (1, 2, 3)]
    assert server.message_count("INBOX") == 0 and server.message_count("Processed") == 3
    again = run_cli(config, "poll", "--once")
    assert again.code == 0
    assert len(cli_json(config, "export", "submissions", "--format", "json")) == 3


def test_exception_between_fetch_and_commit(setup, monkeypatch):
    server, config = setup
    real = poller.repo.store_raw
    calls = {"n": 0}

    def failing_store(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("simulated crash before commit")
        return real(*args, **kwargs)

    monkeypatch.setattr(poller.repo, "store_raw", failing_store)
    result = run_cli(config, "poll", "--once")
    assert result.code == 1 and "simulated crash" in result.err
    assert len(result.err.strip().splitlines()) == 1, "one line, no traceback"
    _assert_second_untouched(server)
    monkeypatch.setattr(poller.repo, "store_raw", real)
    _assert_recovers(server, config)


def test_sigkill_between_fetch_and_commit(setup):
    server, config = setup
    script = textwrap.dedent(f"""
        import os, signal
        from intake import poller
        real = poller.repo.store_raw
        calls = [0]
        def store(*a, **k):
            calls[0] += 1
            if calls[0] == 2:
                os.kill(os.getpid(), signal.SIGKILL)   # dies with the bytes fetched, not committed
            return real(*a, **k)
        poller.repo.store_raw = store
        from intake.cli import main
        main(["--config", {str(config)!r}, "poll", "--once"])
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    _assert_second_untouched(server)
    _assert_recovers(server, config)
