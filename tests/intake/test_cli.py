"""The command line contract: exit codes, one-line errors, review and registry commands."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from intake.samples import Attachment, Auth, submission_email
from tests.fixtures.dovecot import free_port
from tests.helpers import cli_json, make_config, run_cli

OSLO = dt.timezone(dt.timedelta(hours=2))


def _maildir(tmp_path, messages):
    inbox = tmp_path / "inbox"
    for sub in ("new", "cur", "tmp"):
        (inbox / sub).mkdir(parents=True)
    for i, raw in enumerate(messages):
        (inbox / "new" / f"{i:04d}.eml").write_bytes(raw)
    return inbox


def _declaration_mail(attachment: Attachment, sender="postmottak@gran.kommune.no", n=1) -> bytes:
    when = dt.datetime(2020, 6, 2, 10, n, tzinfo=OSLO)
    return submission_email(from_name="Postmottak Gran kommune", from_address=sender,
                            subject="Intensjonserklæring Akson", body="Vedlagt.\n", sent_at=when,
                            received_at=when, seed=n, attachments=[attachment], auth=Auth(domain=sender.split("@")[1]))


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path, inbox=_maildir(tmp_path, []))


@pytest.mark.parametrize("text, key", [
    ("[mailbox]\nurll = 'x'\n", "mailbox.urll"),
    ("[web]\nport = 'eighty'\n", "web.port"),
    ("[campaign]\ndeadline = 2020-07-01\n", "campaign.deadline"),
    ("not toml [", "--config"),
], ids=["unknown-key", "wrong-type", "date-without-time", "not-toml"])
def test_bad_config_exits_2_with_one_line_naming_the_key(tmp_path, text, key):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    result = run_cli(path, "status")
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 1
    assert key in result.err


def test_unreachable_imap_host_exits_2_naming_the_key(tmp_path):
    port = free_port()   # nothing listens there
    path = make_config(tmp_path, inbox=f"imap://127.0.0.1:{port}/INBOX",
                       extra='username = "u"\npassword = "p"\ntimeout_seconds = 2\n')
    assert run_cli(path, "db", "upgrade").code == 0
    from intake import commands
    original = commands.open_mailbox

    def quick(*args, **kwargs):   # no real backoff sleeps in a unit test
        return original(*args, **{**kwargs, "retries": 1}, sleep=lambda s: None)

    commands.open_mailbox = quick
    try:
        result = run_cli(path, "poll", "--once")
    finally:
        commands.open_mailbox = original
    assert result.code == 2, result.err
    assert "mailbox.url" in result.err and len(result.err.strip().splitlines()) == 1


def test_usage_errors_exit_2(config):
    assert run_cli(config, "export", "nonsense").code == 2
    assert run_cli(config, "status", "--now", "yesterday").code == 2


def test_web_on_a_taken_port_is_a_usage_error(config):
    """GIVEN a port another program listens on WHEN web starts there THEN one line, exit 2."""
    import socket
    assert run_cli(config, "db", "upgrade").code == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        result = run_cli(config, "web", "--host", "127.0.0.1", "--port", str(taken.getsockname()[1]))
    assert result.code == 2 and "--port" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_command_before_db_upgrade_says_what_to_do(config):
    result = run_cli(config, "status")
    assert result.code in (1, 2)
    assert "db upgrade" in result.err or "database" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_broken_and_encrypted_pdfs_become_review_items(tmp_path):
    from fpdf import FPDF
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(text="Intensjonserklaering Gran kommune")
    pdf.set_encryption(owner_password="o", user_password="u")
    encrypted = bytes(pdf.output())
    messages = [
        _declaration_mail(Attachment("erklæring.pdf", encrypted, "application/pdf"), n=1),
        _declaration_mail(Attachment("erklæring.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Cat", "application/pdf"), n=2),
    ]
    config = make_config(tmp_path, inbox=_maildir(tmp_path, messages))
    assert run_cli(config, "db", "upgrade").code == 0
    assert run_cli(config, "poll", "--once").code == 0
    subs = cli_json(config, "export", "submissions", "--format", "json")
    assert [s["status"] for s in subs] == ["needs_review", "needs_review"]
    assert all("unreadable_attachment" in s["reasons"] for s in subs)


def test_contacts_import_is_all_or_nothing(config, tmp_path):
    assert run_cli(config, "db", "upgrade").code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("number,email\n0301,postmottak@oslo.kommune.no\n9999,x@y.no\n", encoding="utf-8")
    result = run_cli(config, "municipalities", "import", str(bad))
    assert result.code == 2 and "3" in result.err and "nothing was imported" in result.err
    listed = cli_json(config, "municipalities", "list", "--json")
    assert next(m for m in listed if m["number"] == "0301")["contacts"] == []
    good = tmp_path / "good.csv"
    good.write_text("number,email,domains\n0301,postmottak@oslo.kommune.no,bym.oslo.kommune.no\n", encoding="utf-8")
    assert run_cli(config, "municipalities", "import", str(good)).code == 0
    oslo = next(m for m in cli_json(config, "municipalities", "list", "--json") if m["number"] == "0301")
    assert oslo["contacts"] == ["postmottak@oslo.kommune.no"]
    assert "bym.oslo.kommune.no" in oslo["domains"] and oslo["invited"] is True
    assert len(cli_json(config, "municipalities", "list", "--json")) == 356


def test_review_assign_and_reject_flow(tmp_path):
    """GIVEN a question in review, WHEN staff assign a second item to Gran and reject the
    first, THEN Gran counts as signed, the status agrees, and the audit shows who did it."""
    from intake.samples import DeclarationSpec, Signer, declaration_pdf
    spec = DeclarationSpec(municipality="Gran kommune", place="Gran", signed_on=dt.date(2020, 6, 1),
                           signers=(Signer("Kari Nordmann", "ordfører"),))
    pdf = declaration_pdf(spec)
    messages = [
        _declaration_mail(Attachment("erklæring.pdf", pdf, "application/pdf"),
                          sender="kari.nordmann@gmail.com", n=1),
    ]
    config = make_config(tmp_path, inbox=_maildir(tmp_path, messages))
    assert run_cli(config, "db", "upgrade").code == 0
    assert run_cli(config, "poll", "--once").code == 0
    queue = cli_json(config, "review", "list", "--json")
    assert len(queue) == 1 and "sender_domain_mismatch" in queue[0]["reasons"]
    sid = str(queue[0]["id"])
    shown = json.loads(run_cli(config, "review", "show", sid).out)
    assert shown["evidence"]["sender"]["domain"] == "gmail.com"

    assert run_cli(config, "review", "assign", sid, "1506").code == 2   # Molde is not invited
    assert run_cli(config, "review", "assign", sid, "9999").code == 2
    result = run_cli(config, "review", "assign", sid, "3446", "--signer", "Kari Nordmann=Ordfører", "--by", "ola")
    assert result.code == 0, result.err
    status = cli_json(config, "status", "--json")
    assert status["signed"] == 1 and status["pending_review"] == 0
    gran_row = next(m for m in cli_json(config, "export", "municipalities", "--format", "json") if m["number"] == "3446")
    assert gran_row["status"] == "signed"
    assert gran_row["signers"] == [{"name": "Kari Nordmann", "title": "ordfører"}]
    assert cli_json(config, "review", "list", "--json") == []

    assert run_cli(config, "review", "reject", sid, "--reason", "sent by mistake", "--by", "ola").code == 0
    assert cli_json(config, "status", "--json")["signed"] == 0
    assert run_cli(config, "review", "show", "424242").code == 2
