"""Pure selection rules of the IMAP adapter (intake/mailbox/select.py) and the URL parser."""
from __future__ import annotations

import datetime as dt

import pytest

from intake.mailbox import InvalidMailboxUrl, MailboxUrl, parse_mailbox_url
from intake.mailbox.imap import XOAuth2, backoff_delays
from intake.mailbox.select import (
    MoveStrategy,
    internaldate_utc,
    key_from_uid,
    move_strategy,
    new_uids,
    search_criteria,
    uid_from_key,
)


@pytest.mark.parametrize(
    ("last_uid", "expected"),
    [
        pytest.param(0, [b"UID", b"1:*"], id="from-start"),
        pytest.param(41, [b"UID", b"42:*"], id="after-41"),
    ],
)
def test_search_criteria(last_uid: int, expected: list[bytes]) -> None:
    assert search_criteria(last_uid) == expected


def test_search_criteria_rejects_negative() -> None:
    with pytest.raises(ValueError, match="last_uid"):
        search_criteria(-1)


@pytest.mark.parametrize(
    ("found", "last_uid", "expected"),
    [
        pytest.param([], 0, [], id="empty-folder"),
        pytest.param([7], 7, [], id="star-returns-highest-even-if-old"),
        pytest.param([3], 7, [], id="highest-below-last"),
        pytest.param([8, 9, 12], 7, [8, 9, 12], id="all-new"),
        pytest.param([12, 8, 9, 8], 7, [8, 9, 12], id="unsorted-with-duplicate"),
        pytest.param([b"8", b"10"], 7, [8, 10], id="bytes-from-raw-response"),
        pytest.param(["5", "6"], 5, [6], id="str"),
    ],
)
def test_new_uids(found: list, last_uid: int, expected: list[int]) -> None:
    assert new_uids(found, last_uid) == expected


@pytest.mark.parametrize("key", ["1", "42", "4294967295"])
def test_uid_key_round_trip(key: str) -> None:
    assert key_from_uid(uid_from_key(key)) == key


@pytest.mark.parametrize("key", ["", "0", "-3", "1:*", "1,2", " 5", "٣", "1700000000.M1P2.host"])
def test_uid_from_key_rejects(key: str) -> None:
    with pytest.raises(ValueError, match="IMAP message key"):
        uid_from_key(key)


@pytest.mark.parametrize(
    ("caps", "allow_move", "expected"),
    [
        pytest.param((b"IMAP4REV1", b"UIDPLUS", b"MOVE"), True, MoveStrategy.MOVE, id="move"),
        pytest.param((b"IMAP4rev1", b"move"), True, MoveStrategy.MOVE, id="case-insensitive"),
        pytest.param(("IMAP4REV1", "MOVE"), True, MoveStrategy.MOVE, id="str-caps"),
        pytest.param((b"UIDPLUS", b"MOVE"), False, MoveStrategy.COPY_UID_EXPUNGE, id="move-disallowed"),
        pytest.param((b"IMAP4REV1", b"UIDPLUS"), True, MoveStrategy.COPY_UID_EXPUNGE, id="uidplus"),
        pytest.param((b"IMAP4REV1",), True, MoveStrategy.COPY_EXPUNGE, id="bare-rfc3501"),
    ],
)
def test_move_strategy(caps: tuple, allow_move: bool, expected: MoveStrategy) -> None:
    assert move_strategy(caps, allow_move=allow_move) is expected


def test_internaldate_keeps_the_instant_in_utc() -> None:
    oslo_summer = dt.timezone(dt.timedelta(hours=2))
    value = dt.datetime(2020, 6, 30, 23, 59, 30, tzinfo=oslo_summer)
    assert internaldate_utc(value) == dt.datetime(2020, 6, 30, 21, 59, 30, tzinfo=dt.timezone.utc)
    assert internaldate_utc(value).tzinfo is dt.timezone.utc
    assert internaldate_utc(None) is None


def test_internaldate_naive_is_local_time() -> None:
    naive = dt.datetime(2020, 6, 1, 12, 0)
    assert internaldate_utc(naive) == naive.astimezone().astimezone(dt.timezone.utc)


@pytest.mark.parametrize(
    ("retries", "expected"),
    [
        pytest.param(0, [], id="no-retries"),
        pytest.param(3, [1.0, 2.0, 4.0], id="default"),
        pytest.param(8, [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0], id="capped"),
    ],
)
def test_backoff_delays(retries: int, expected: list[float]) -> None:
    assert backoff_delays(retries) == expected


def test_xoauth2_sends_credentials_then_an_empty_reply() -> None:
    mech = XOAuth2("akson@hod.dep.no", "tok-123")
    assert mech(b"") == b"user=akson@hod.dep.no\x01auth=Bearer tok-123\x01\x01"
    # The second challenge is the server's JSON error; SASL wants an empty answer.
    assert mech(b'{"status":"401","schemes":"bearer"}') == b""
    assert "tok-123" not in repr(mech)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("maildir://./var/inbox", MailboxUrl("maildir", path="./var/inbox"), id="maildir-relative"),
        pytest.param("maildir:///srv/akson/inbox", MailboxUrl("maildir", path="/srv/akson/inbox"), id="maildir-abs"),
        pytest.param("imap://127.0.0.1:1143/INBOX", MailboxUrl("imap", host="127.0.0.1", port=1143), id="imap"),
        pytest.param("imap://mail.example", MailboxUrl("imap", host="mail.example", port=143), id="imap-defaults"),
        pytest.param("imaps://outlook.office365.com", MailboxUrl("imaps", host="outlook.office365.com", port=993),
                     id="imaps-defaults"),
        pytest.param("IMAPS://Mail.Example:1993/inbox", MailboxUrl("imaps", host="mail.example", port=1993),
                     id="case-normalised"),
        pytest.param("imaps://h/Akson%20inn/2020", MailboxUrl("imaps", host="h", port=993, folder="Akson inn/2020"),
                     id="folder-percent-decoded"),
        pytest.param("imap://[::1]:1143/", MailboxUrl("imap", host="::1", port=1143), id="ipv6-empty-folder"),
    ],
)
def test_parse_mailbox_url(url: str, expected: MailboxUrl) -> None:
    assert parse_mailbox_url(url) == expected


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        pytest.param("/var/inbox", "no scheme", id="bare-path"),
        pytest.param("maildir://", "no path", id="maildir-empty"),
        pytest.param("pop3://h/INBOX", "unsupported scheme", id="pop3"),
        pytest.param("imap:///INBOX", "no host", id="no-host"),
        pytest.param("imap://h:port/INBOX", "bad port", id="port-not-number"),
        pytest.param("imap://h:70000/INBOX", "bad port", id="port-range"),
        pytest.param("imap://h:0/INBOX", "port 0", id="port-zero"),
        pytest.param("imap://h/INBOX?x=1", "query", id="query"),
        pytest.param("imaps://akson:hemmelig@h/INBOX", "credentials", id="credentials"),
    ],
)
def test_parse_mailbox_url_rejects(url: str, reason: str) -> None:
    with pytest.raises(InvalidMailboxUrl, match=reason) as caught:
        parse_mailbox_url(url)
    assert isinstance(caught.value, ValueError)
    assert "hemmelig" not in str(caught.value)
