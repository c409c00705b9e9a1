"""Transports against a real aiosmtpd (plain, STARTTLS, SMTPS) and a real maildir,
and the pure message builder they carry (intake/outmail.py)."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import ssl
from pathlib import Path
from types import SimpleNamespace

import pytest

from intake.outmail import (
    FALLBACK_DOMAIN,
    OutgoingMailError,
    build_message,
    envelope,
    from_domain,
    message_id_for,
)
from intake.transport import (
    InvalidTransportUrl,
    MaildirTransport,
    PermanentSendError,
    SendError,
    ServerUnavailable,
    TransientSendError,
    TransportUrl,
    open_transport,
    parse_transport_url,
)
from tests.fixtures.smtp import smtp_sink, smtp_sink_factory  # noqa: F401 (fixtures)

FROM = "Helse- og omsorgsdepartementet <akson@hod.dep.no>"
SENDER = "akson@hod.dep.no"
DATE = dt.datetime(2020, 6, 2, 8, 0, tzinfo=dt.UTC)
HELO = "akson.test"   # no getfqdn() lookup in tests


def raw(n: int = 1) -> bytes:
    return (f"From: {SENDER}\r\nTo: postmottak@gran.kommune.no\r\nSubject: Test {n}\r\n"
            f"Message-ID: <t{n}@hod.dep.no>\r\n\r\nHei.\r\n").encode()


def row(**changes: object) -> SimpleNamespace:
    values: dict[str, object] = dict(
        to_addrs=["postmottak@gran.kommune.no"], cc_addrs=[], subject="Kvittering for mottatt erklæring",
        body_text="Hei,\n\nvi har mottatt erklæringa.\n", body_html=None,
        message_id=message_id_for("ack:1", "hod.dep.no"), in_reply_to=None, references=None,
        auto_submitted="auto-replied", language="nb")
    values.update(changes)
    return SimpleNamespace(**values)


# -- URLs ----------------------------------------------------------------------------

@pytest.mark.parametrize("url, expected", [
    ("smtp://mx.example.no", TransportUrl("smtp", host="mx.example.no", port=25)),
    ("smtp+starttls://smtp.office365.com", TransportUrl("smtp+starttls", host="smtp.office365.com", port=587)),
    ("smtps://mail.example.no", TransportUrl("smtps", host="mail.example.no", port=465)),
    ("SMTP://127.0.0.1:2525", TransportUrl("smtp", host="127.0.0.1", port=2525)),
    ("maildir://./var/outbox", TransportUrl("maildir", path="./var/outbox")),
], ids=["smtp", "starttls", "smtps", "port", "maildir"])
def test_parse_url(url: str, expected: TransportUrl) -> None:
    assert parse_transport_url(url) == expected


@pytest.mark.parametrize("url, fragment", [
    ("mx.example.no", "no scheme"),
    ("http://mx.example.no", "unsupported scheme"),
    ("smtp://user:secret@mx.example.no", "credentials"),
    ("smtp://mx.example.no/inbox", "no path"),
    ("smtp://mx.example.no:99999", "bad port"),
    ("maildir://", "no path"),
], ids=["no-scheme", "http", "credentials", "path", "port", "empty-maildir"])
def test_parse_url_refuses(url: str, fragment: str) -> None:
    with pytest.raises(InvalidTransportUrl, match=fragment) as caught:
        parse_transport_url(url)
    assert "secret" not in str(caught.value)


def test_login_in_clear_text_is_refused_except_on_loopback() -> None:
    with pytest.raises(InvalidTransportUrl, match="clear text"):
        open_transport("smtp://mx.example.no", username="akson", password="pw")
    open_transport("smtp://127.0.0.1:2525", username="akson", password="pw").close()
    open_transport("smtp+starttls://mx.example.no", username="akson", password="pw").close()


# -- plain SMTP ----------------------------------------------------------------------

def test_sends_and_keeps_the_connection(smtp_sink) -> None:
    with open_transport(smtp_sink.url, local_hostname=HELO) as t:
        replies = [t.send(raw(n), SENDER, ["postmottak@gran.kommune.no"]) for n in (1, 2, 3)]
    assert replies == [f"250 2.0.0 Ok: queued as AKSON000{n}" for n in (1, 2, 3)]
    assert smtp_sink.connections == 1
    assert [m.message["Message-ID"] for m in smtp_sink.messages] == ["<t1@hod.dep.no>", "<t2@hod.dep.no>", "<t3@hod.dep.no>"]
    assert smtp_sink.messages[0].mail_from == SENDER
    assert smtp_sink.messages[0].raw == raw(1)


def test_rcpt_550_is_permanent_with_the_reply(smtp_sink) -> None:
    smtp_sink.reply_rcpt["x@y.no"] = "550 5.1.1 <x@y.no>: Recipient address rejected"
    with open_transport(smtp_sink.url, local_hostname=HELO) as t:
        with pytest.raises(PermanentSendError) as caught:
            t.send(raw(), SENDER, ["x@y.no"])
        assert caught.value.reply == "550 5.1.1 <x@y.no>: Recipient address rejected"
        assert t.send(raw(2), SENDER, ["ok@y.no"]).startswith("250 ")   # usable afterwards
    assert [m.rcpt_tos for m in smtp_sink.messages] == [["ok@y.no"]]


def test_some_recipients_refused_is_delivered_with_a_note(smtp_sink) -> None:
    smtp_sink.reply_rcpt["x@y.no"] = "550 5.1.1 <x@y.no>: Recipient address rejected"
    with open_transport(smtp_sink.url, local_hostname=HELO) as t:
        reply = t.send(raw(), SENDER, ["ok@y.no", "x@y.no"])
    assert reply == ("250 2.0.0 Ok: queued as AKSON0001; refused: x@y.no "
                     "(550 5.1.1 <x@y.no>: Recipient address rejected)")
    assert smtp_sink.messages[0].rcpt_tos == ["ok@y.no"]


def test_rcpt_4xx_is_transient(smtp_sink) -> None:
    smtp_sink.reply_rcpt["x@y.no"] = "450 4.2.0 <x@y.no>: Recipient address rejected: Greylisted"
    with open_transport(smtp_sink.url, local_hostname=HELO) as t, pytest.raises(TransientSendError) as caught:
        t.send(raw(), SENDER, ["x@y.no"])
    assert not isinstance(caught.value, ServerUnavailable)
    assert caught.value.reply is not None and caught.value.reply.startswith("450 4.2.0")


@pytest.mark.parametrize("reply, error", [
    ("451 4.3.0 Try again later", TransientSendError),
    ("554 5.7.1 Message rejected as spam", PermanentSendError),
], ids=["451", "554"])
def test_data_reply(smtp_sink, reply: str, error: type[SendError]) -> None:
    smtp_sink.script([reply, None])
    with open_transport(smtp_sink.url, local_hostname=HELO) as t:
        with pytest.raises(error) as caught:
            t.send(raw(1), SENDER, ["a@y.no"])
        assert caught.value.reply == reply
        assert t.send(raw(2), SENDER, ["a@y.no"]).startswith("250 ")
    assert [m.message["Subject"] for m in smtp_sink.messages] == ["Test 2"]


def test_connection_dropped_in_data_is_transient_then_recovers(smtp_sink) -> None:
    smtp_sink.drop_in_data = 1
    with open_transport(smtp_sink.url, local_hostname=HELO) as t:
        with pytest.raises(TransientSendError, match="during DATA") as caught:
            t.send(raw(1), SENDER, ["a@y.no"])
        assert not isinstance(caught.value, ServerUnavailable)
        assert t.send(raw(1), SENDER, ["a@y.no"]).startswith("250 ")
    assert len(smtp_sink.messages) == 1 and smtp_sink.connections == 2


def test_server_down_is_unavailable_and_a_restart_is_picked_up(smtp_sink) -> None:
    with open_transport(smtp_sink.url, local_hostname=HELO) as t:
        smtp_sink.stop()
        with pytest.raises(ServerUnavailable, match="cannot connect"):
            t.send(raw(1), SENDER, ["a@y.no"])
        smtp_sink.start()
        assert t.send(raw(1), SENDER, ["a@y.no"]).startswith("250 ")


def test_a_kept_connection_the_server_closed_is_replaced_silently(smtp_sink) -> None:
    with open_transport(smtp_sink.url, local_hostname=HELO) as t:
        t.send(raw(1), SENDER, ["a@y.no"])
        smtp_sink.stop()    # closes the kept connection, as an idle timeout would
        smtp_sink.start()
        assert t.send(raw(2), SENDER, ["a@y.no"]).startswith("250 ")
    assert len(smtp_sink.messages) == 2 and smtp_sink.connections == 2


def test_envelope_injection_is_refused(smtp_sink) -> None:
    with open_transport(smtp_sink.url, local_hostname=HELO) as t:
        with pytest.raises(PermanentSendError, match="envelope"):
            t.send(raw(), SENDER, ["a@y.no>\r\nRCPT TO:<evil@example.com"])
    assert smtp_sink.connections == 0


# -- TLS -----------------------------------------------------------------------------

@pytest.mark.parametrize("tls", ["starttls", "smtps"])
def test_tls_with_login(smtp_sink_factory, tls: str) -> None:
    sink = smtp_sink_factory(tls=tls, auth=True)
    with open_transport(sink.url, username=sink.username, password=sink.password,
                        ssl_context=sink.client_context(), local_hostname=HELO) as t:
        assert t.send(raw(1), SENDER, ["a@y.no"]).startswith("250 ")
        t.send(raw(2), SENDER, ["a@y.no"])
    assert sink.logins == [sink.username]
    assert len(sink.messages) == 2


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
def test_tls_wrong_password_is_unavailable(smtp_sink_factory, tls: str) -> None:
    sink = smtp_sink_factory(tls=tls, auth=True)
    with open_transport(sink.url, username=sink.username, password="wrong",
                        ssl_context=sink.client_context(), local_hostname=HELO) as t:
        with pytest.raises(ServerUnavailable) as caught:
            t.send(raw(), SENDER, ["a@y.no"])
    assert caught.value.reply is not None and caught.value.reply.startswith("535")
    assert "wrong" not in str(caught.value)
    assert sink.messages == []


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
def test_untrusted_certificate_is_refused(smtp_sink_factory, tls: str) -> None:
    sink = smtp_sink_factory(tls=tls)
    with open_transport(sink.url, ssl_context=ssl.create_default_context(), local_hostname=HELO) as t:
        with pytest.raises(ServerUnavailable, match="CERTIFICATE_VERIFY_FAILED"):
            t.send(raw(), SENDER, ["a@y.no"])
    assert sink.messages == []


def test_starttls_not_offered_is_an_error_never_plain(smtp_sink) -> None:
    url = smtp_sink.url.replace("smtp://", "smtp+starttls://")
    with open_transport(url, local_hostname=HELO) as t:
        with pytest.raises(ServerUnavailable, match="does not offer STARTTLS"):
            t.send(raw(), SENDER, ["a@y.no"])
    assert smtp_sink.messages == [] and smtp_sink.connections == 0   # not even MAIL FROM


# -- maildir -------------------------------------------------------------------------

def test_maildir_writes_one_file_per_message_and_a_resend_overwrites(tmp_path: Path) -> None:
    box = tmp_path / "outbox"
    message = build_message(row(), from_header=FROM, date=DATE)
    name = hashlib.sha256(row().message_id.encode()).hexdigest() + ".eml"
    with open_transport(f"maildir://{box}") as t:
        assert isinstance(t, MaildirTransport)
        assert t.send(message, SENDER, ["postmottak@gran.kommune.no"]) == f"maildir: {box / 'new' / name}"
        t.send(message, SENDER, ["postmottak@gran.kommune.no"])
        t.send(build_message(row(message_id="<other@hod.dep.no>"), from_header=FROM, date=DATE), SENDER, ["a@y.no"])
    assert sorted(p.name for p in (box / "new").iterdir()) == sorted(
        [name, hashlib.sha256(b"<other@hod.dep.no>").hexdigest() + ".eml"])
    assert (box / "cur").is_dir() and list((box / "tmp").iterdir()) == []
    assert (box / "new" / name).read_bytes() == message
    parsed = email.message_from_bytes(message, policy=email.policy.default)
    assert "vi har mottatt erklæringa." in parsed.get_content()


def test_maildir_needs_a_message_id(tmp_path: Path) -> None:
    with pytest.raises(PermanentSendError, match="no Message-ID"):
        MaildirTransport(tmp_path).send(b"Subject: x\r\n\r\nbody\r\n", SENDER, ["a@y.no"])


def test_maildir_unwritable_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(ServerUnavailable, match="cannot write"):
        MaildirTransport(tmp_path / "file").send(raw(), SENDER, ["a@y.no"])


# -- the message builder (intake/outmail.py) -----------------------------------------

def test_message_id_is_deterministic() -> None:
    first = message_id_for("ack:17", "hod.dep.no")
    assert first == message_id_for("ack:17", "hod.dep.no")
    assert first == f"<akson.{hashlib.sha256(b'ack:17').hexdigest()[:32]}@hod.dep.no>"
    assert first != message_id_for("ack:18", "hod.dep.no")
    assert message_id_for("ack:17", "").endswith(f"@{FALLBACK_DOMAIN}>")
    assert message_id_for("ack:17", "not a domain\r\n").endswith(f"@{FALLBACK_DOMAIN}>")
    assert from_domain(FROM) == "hod.dep.no"
    assert from_domain("nobody") == ""


def test_build_is_byte_identical_and_has_the_headers() -> None:
    mail = row(body_html="<p>Hei</p>", cc_addrs=["ordforer@gran.kommune.no"],
               in_reply_to="<abc@gran.kommune.no>", references="<x@gran.kommune.no> <abc@gran.kommune.no>")
    first = build_message(mail, from_header=FROM, date=DATE)
    assert first == build_message(mail, from_header=FROM, date=DATE)
    parsed = email.message_from_bytes(first, policy=email.policy.default)
    assert parsed["Content-Language"] == "nb"
    assert parsed["Auto-Submitted"] == "auto-replied"
    assert parsed["X-Auto-Response-Suppress"] == "All"
    assert parsed["Cc"] == "ordforer@gran.kommune.no"
    assert parsed["Date"] == "Tue, 02 Jun 2020 08:00:00 +0000"
    assert parsed.get_content_type() == "multipart/alternative"
    assert all(b < 128 for b in first), "7-bit clean: no 8BITMIME needed"
    assert b"\r\n" in first and b"\n" not in first.replace(b"\r\n", b"")


def test_long_thread_ids_stay_plain_ids() -> None:
    """Exchange's ids are ~90 characters: folding must not turn them into encoded-words,
    or the municipality's client cannot thread our acknowledgement under their mail."""
    long_id = "<AM0PR03MB1688CPE10573EKPWD38V8NT6KROZSAXQ@AM0PR03MB1688.eurprd04.prod.outlook.com>"
    mail = row(in_reply_to=long_id, references=" ".join([long_id] * 3))
    first = build_message(mail, from_header=FROM, date=DATE)
    head = first.split(b"\r\n\r\n")[0].decode("ascii")
    thread = head[head.index("In-Reply-To:"):head.index("Auto-Submitted:")]
    assert "=?" not in thread
    assert f"In-Reply-To: {long_id}".encode() in first
    parsed = email.message_from_bytes(first, policy=email.policy.default)
    assert parsed["In-Reply-To"] == long_id
    assert parsed["References"].split() == [long_id] * 3


def test_malformed_thread_ids_are_left_out_not_fatal() -> None:
    mail = row(in_reply_to="abc@gran.kommune.no", references="<ok@gran.kommune.no> junk <a b@c.no>")
    parsed = email.message_from_bytes(build_message(mail, from_header=FROM, date=DATE), policy=email.policy.default)
    assert parsed["In-Reply-To"] is None
    assert parsed["References"] == "<ok@gran.kommune.no>"


def test_envelope_dedups_case_insensitively() -> None:
    mail = row(to_addrs=["Post@Gran.kommune.no", "a@b.no"], cc_addrs=["post@gran.kommune.no", "c@b.no", "A@B.NO"])
    assert envelope(mail, from_header=FROM) == (SENDER, ["Post@Gran.kommune.no", "a@b.no", "c@b.no"])


def test_idn_domain_becomes_ascii() -> None:
    mail = row(to_addrs=["post@bø.kommune.no"])
    assert envelope(mail, from_header=FROM)[1] == ["post@xn--b-5ga.kommune.no"]


@pytest.mark.parametrize("changes, from_header, field", [
    ({"subject": "Hei\r\nBcc: evil@example.com"}, FROM, "subject"),
    ({"subject": "Hei\nBcc: evil@example.com"}, FROM, "subject"),
    ({"subject": "Hei\x00"}, FROM, "subject"),
    ({"subject": "Hei\u2028Bcc: evil@example.com"}, FROM, "subject"),
    ({"subject": "Hei\x85Bcc: evil@example.com"}, FROM, "subject"),
    ({"subject": "Hei \ud800"}, FROM, "subject"),
    ({"body_text": "Hei \ud800"}, FROM, "body_text"),
    ({"to_addrs": ["a@b.no\r\nBcc: evil@example.com"]}, FROM, "to"),
    ({"to_addrs": ["Ola <a@b.no>"]}, FROM, "to"),
    ({"to_addrs": ["a@b.no, evil@example.com"]}, FROM, "to"),
    ({"to_addrs": ["a@localhost"]}, FROM, "to"),
    ({"to_addrs": ['"a b"@b.no']}, FROM, "to"),
    ({"to_addrs": []}, FROM, "to"),
    ({"cc_addrs": ["evil@example.com>\r\nX: y"]}, FROM, "cc"),
    ({"in_reply_to": "<a@b.no>\r\nBcc: evil@example.com"}, FROM, "in_reply_to"),
    ({"references": "<a@b.no>\n<c@d.no>\nBcc: evil@example.com"}, FROM, "references"),
    ({"message_id": "<a@b.no>\r\nBcc: evil@example.com"}, FROM, "message_id"),
    ({"auto_submitted": "no"}, FROM, "auto_submitted"),
    ({"language": "nb\r\nBcc: evil@example.com"}, FROM, "language"),
    ({}, "Akson <akson@hod.dep.no>\r\nBcc: evil@example.com", "from"),
    ({}, "akson@hod.dep.no, evil@example.com", "from"),
], ids=["subject-crlf", "subject-lf", "subject-nul", "subject-u2028", "subject-nel",
        "subject-surrogate", "body-surrogate", "to-crlf", "to-display-name", "to-list",
        "to-no-dot", "to-quoted", "to-empty", "cc-crlf", "in-reply-to-crlf",
        "references-lf", "message-id-crlf", "auto-submitted", "language", "from-crlf", "from-list"])
def test_header_injection_is_refused(changes: dict[str, object], from_header: str, field: str) -> None:
    with pytest.raises(OutgoingMailError) as caught:
        build_message(row(**changes), from_header=from_header, date=DATE)
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)


def test_naive_date_is_refused() -> None:
    with pytest.raises(OutgoingMailError, match="naive"):
        build_message(row(), from_header=FROM, date=DATE.replace(tzinfo=None))
