"""Header injection through what a submission puts into our mail: the sender's display
name, the subject, the Message-ID we answer, a signer's name.

GIVEN signed declarations from three municipalities whose sender name, subject,
Message-ID and signer line carry CR/LF (encoded, folded or as Unicode line breaks)
followed by a Bcc header to an outside address,
WHEN `run --once` records them and sends the acknowledgements into the maildir outbox,
THEN every acknowledgement was written, each has exactly one To, one Subject, one
Message-ID and no Bcc, and no header of any of them names the outside address.
"""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import mailbox
from collections import Counter

from intake.samples import Attachment, DeclarationSpec, declaration_pdf, submission_email
from intake.samples.specs import Signer
from tests.helpers import cli_json, make_config, run_cli

OSLO = dt.timezone(dt.timedelta(hours=2))
EVIL = "evil@attacker.example"
MUNICIPALITIES = {"3446": "Gran", "3403": "Hamar", "3405": "Lillehammer"}


def declaration(name: str, seed: int) -> bytes:
    at = dt.datetime(2020, 6, 2, 10, 0, tzinfo=OSLO)
    sender = f"ordforer@{name.lower()}.kommune.no"
    pdf = declaration_pdf(DeclarationSpec(municipality=f"{name} kommune", place=name, signed_on=at.date(),
                                          signers=(Signer("Kari Nordmann", "ordfører"),)))
    return submission_email(from_name="Kari Nordmann", from_address=sender, subject="Intensjonserklaering Akson",
                            body=f"Signert av ordfører Kari Nordmann\u2028Bcc: {EVIL}\x85To: {EVIL}",
                            sent_at=at, received_at=at, seed=seed,
                            attachments=[Attachment("intensjonserklaering.pdf", pdf)])


def inject(raw: bytes, how: str) -> bytes:
    if how == "from_name":
        return raw.replace(b"From: Kari Nordmann <",
                           b"From: =?utf-8?q?Kari_Nordmann=0D=0ABcc=3A_evil=40attacker=2Eexample=0D=0A?= <", 1)
    if how == "subject":
        return raw.replace(b"Subject: Intensjonserklaering Akson",
                           f"Subject: =?utf-8?q?Erkl=C3=A6ring=0D=0ABcc:_{EVIL}?= =?utf-8?b?DQpUbzogZXZpbA==?=".encode(), 1)
    head, sep, body = raw.partition(b"\r\n\r\n")
    lines = [f"Message-ID: <inject-{how}@x.kommune.no>\r\n\tBcc: {EVIL}".encode()
             if line.lower().startswith(b"message-id:") else line for line in head.split(b"\r\n")]
    return b"\r\n".join(lines) + sep + body


def test_outgoing_headers_stay_single(tmp_path):
    inbox = tmp_path / "inbox"
    mailbox.Maildir(str(inbox), create=True)
    config = make_config(tmp_path, inbox=inbox, extra=f'[campaign]\ninvited = {list(MUNICIPALITIES)!r}\n'.replace("'", '"'))
    assert run_cli(config, "db", "upgrade").code == 0
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("number,email\n" + "".join(f"{n},postmottak@{m.lower()}.kommune.no\n"
                                                   for n, m in MUNICIPALITIES.items()), encoding="utf-8")
    assert run_cli(config, "municipalities", "import", str(contacts)).code == 0
    for seed, (how, name) in enumerate(zip(("from_name", "subject", "message_id"), MUNICIPALITIES.values())):
        mailbox.Maildir(str(inbox)).add(inject(declaration(name, seed), how))

    result = run_cli(config, "run", "--once", "--now", "2020-06-02T12:00:00+02:00")
    assert result.code == 0, result.err

    # All three got through to the acknowledgement, so the injected values reached it.
    statuses = Counter(s["status"] for s in cli_json(config, "export", "submissions"))
    assert statuses == {"accepted": 3}, statuses
    sent = [p.read_bytes() for p in (tmp_path / "outbox" / "new").iterdir()]
    assert len(sent) == 3
    for raw in sent:
        head = raw.partition(b"\r\n\r\n")[0]
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        names = Counter(name.lower() for name in msg.keys())
        assert names["to"] == names["subject"] == names["message-id"] == names["from"] == 1, names
        assert names["bcc"] == 0 and names["cc"] <= 1, names
        assert EVIL.encode() not in head and b"attacker" not in head, head
        recipients = email.utils.getaddresses(msg.get_all("To", []) + msg.get_all("Cc", []))
        assert all(addr.endswith(".kommune.no") for _name, addr in recipients), recipients
