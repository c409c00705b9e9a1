"""The IMAP adapter (intake/mailbox/imap.py) against a real Dovecot, plus token providers.

XOAUTH2 runs against the real Dovecot too: the fixture configures its oauth2 passdb
to ask a token-introspection endpoint on 127.0.0.1 (tests/fixtures/dovecot.py).
"""
from __future__ import annotations

import datetime as dt
import imaplib
import ssl
import sys
import time
from collections.abc import Callable

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from intake.mailbox import (
    ImapMailbox,
    ImapSettings,
    MailboxAuthError,
    MailboxError,
    MailboxUnavailable,
    MessageNotFound,
    UidValidityChanged,
    open_mailbox,
    token_from_command,
    token_from_env,
)
from tests.fixtures.dovecot import DovecotServer, dovecot, dovecot_factory, free_port  # noqa: F401

# Well below the 5 s socket timeout used here: a refused login must not wait for it.
QUICK_S = 3.0


def message(n: int) -> bytes:
    return (
        f"From: postmottak@kommune{n}.no\r\nTo: akson@hod.dep.no\r\n"
        f"Message-ID: <{n}@kommune{n}.no>\r\nSubject: Intensjonserklaering {n}\r\n\r\nSignert.\r\n"
    ).encode()


class RecordingSleep:
    """Stands in for time.sleep: records the backoff instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def box_for(server: DovecotServer, folder: str = "INBOX", **kwargs: object) -> ImapMailbox:
    kwargs = {"username": server.username, "password": server.password, "timeout": 5.0,
              "sleep": RecordingSleep(), **kwargs}
    box = open_mailbox(server.url(folder), **kwargs)   # type: ignore[arg-type]
    assert isinstance(box, ImapMailbox)
    return box


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], list[tuple]]:
    """Record calls of an IMAPClient method while still running it."""

    def watch(name: str) -> list[tuple]:
        calls: list[tuple] = []
        original = getattr(IMAPClient, name)

        def wrapper(self: IMAPClient, *args: object, **kwargs: object) -> object:
            calls.append(args)
            return original(self, *args, **kwargs)

        monkeypatch.setattr(IMAPClient, name, wrapper)
        return calls

    return watch


# -- without a server ------------------------------------------------------------------


def test_open_mailbox_imap_key_has_no_credentials() -> None:
    box = open_mailbox("imaps://Outlook.Office365.com/Akson", username="akson@hod.dep.no", password="hemmelig")
    assert isinstance(box, ImapMailbox)
    assert box.key == "imap://outlook.office365.com:993/Akson"
    assert box.settings.tls and box.settings.port == 993
    assert "hemmelig" not in repr(box.settings)


def test_unreachable_port_is_unavailable_after_backoff() -> None:
    """GIVEN nothing listening on the port
    WHEN the adapter connects with retries=3
    THEN it sleeps 1, 2, 4 s (each twice the last) and raises MailboxUnavailable."""
    sleep = RecordingSleep()
    box = open_mailbox(f"imap://127.0.0.1:{free_port()}/INBOX", username="u", password="p", retries=3,
                       timeout=2.0, sleep=sleep)
    with pytest.raises(MailboxUnavailable, match="unreachable after 4 attempts"):
        with box:
            pass
    assert sleep.delays == [1.0, 2.0, 4.0]
    assert all(later == 2 * earlier for earlier, later in zip(sleep.delays, sleep.delays[1:]))


def test_token_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AKSON_TEST_TOKEN", raising=False)
    with pytest.raises(MailboxAuthError, match="AKSON_TEST_TOKEN is unset or empty"):
        token_from_env("AKSON_TEST_TOKEN")
    monkeypatch.setenv("AKSON_TEST_TOKEN", " eyJ0eXAi.first \n")
    assert token_from_env("AKSON_TEST_TOKEN") == "eyJ0eXAi.first"


def test_token_from_command_takes_stripped_stdout() -> None:
    assert token_from_command([sys.executable, "-c", "print('  tok-abc  ')"]) == "tok-abc"


@pytest.mark.parametrize(
    ("code", "timeout", "message"),
    [
        pytest.param("import sys; print('tok-SECRET'); sys.exit(3)", 10.0, "exit status 3", id="fails"),
        pytest.param("import sys; print('tok-SECRET'); sys.stderr.write('AADSTS700082 expired\\n'); sys.exit(1)",
                     10.0, "AADSTS700082 expired", id="stderr-hint"),
        pytest.param("print('')", 10.0, "printed no token", id="empty"),
        pytest.param("import time; print('tok-SECRET', flush=True); time.sleep(10)", 0.5, "did not finish",
                     id="timeout"),
    ],
)
def test_token_from_command_errors_never_show_the_token(code: str, timeout: float, message: str) -> None:
    with pytest.raises(MailboxAuthError, match=message) as caught:
        token_from_command([sys.executable, "-c", code], timeout=timeout)
    assert "tok-SECRET" not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__context__ is None


@pytest.mark.parametrize("argv", [["/nonexistent/akson-token-helper", "--secret=xyz"], []])
def test_token_from_command_that_cannot_run(argv: list[str]) -> None:
    with pytest.raises(MailboxAuthError, match="could not run|is empty") as caught:
        token_from_command(argv)
    assert "xyz" not in str(caught.value)


class FakeClient:
    """Stands in for IMAPClient at the client_factory seam, for failures Dovecot
    cannot be made to produce on demand: a drop during login, a drop after a reconnect."""

    def __init__(self, script: dict[str, list[BaseException | None]]) -> None:
        self.script = script

    def _step(self, name: str) -> None:
        failures = self.script.get(name, [])
        failure = failures.pop(0) if failures else None
        if failure is not None:
            raise failure

    def login(self, username: str, password: str) -> None:
        try:
            self._step("login")
        except imaplib.IMAP4.error as err:
            raise LoginError(str(err))   # as imapclient does: the cause only as __context__

    def select_folder(self, folder: str, readonly: bool = False) -> dict:
        return {b"UIDVALIDITY": 7}

    def noop(self) -> None:
        self._step("noop")

    def search(self, criteria: list) -> list[int]:
        return [5]

    def shutdown(self) -> None:
        pass

    logout = shutdown


def fake_box(script: dict[str, list[BaseException | None]], sleep: RecordingSleep) -> tuple[ImapMailbox, list]:
    made: list[FakeClient] = []

    def factory(settings: ImapSettings) -> FakeClient:
        made.append(FakeClient(script))
        return made[-1]

    settings = ImapSettings(host="fake", port=1, tls=False, username="u", password="p")
    return ImapMailbox(settings, sleep=sleep, client_factory=factory), made   # type: ignore[arg-type]


def test_connection_dropped_during_login_is_retried() -> None:
    sleep = RecordingSleep()
    drop = imaplib.IMAP4.abort("socket error: EOF")
    box, made = fake_box({"login": [drop, None]}, sleep)
    with box:
        assert box.pending(0) == ["5"]
    assert len(made) == 2 and sleep.delays == [1.0]


def test_refused_login_from_fake_is_not_retried() -> None:
    sleep = RecordingSleep()
    box, made = fake_box({"login": [imaplib.IMAP4.error("[AUTHENTICATIONFAILED] no")]}, sleep)
    with pytest.raises(MailboxAuthError, match="AUTHENTICATIONFAILED"), box:
        pass
    assert len(made) == 1 and sleep.delays == []


def test_connection_lost_again_after_reconnect_is_unavailable() -> None:
    sleep = RecordingSleep()
    drops = [imaplib.IMAP4.abort("socket error: EOF"), OSError("connection reset")]
    box, made = fake_box({"noop": drops}, sleep)
    with box, pytest.raises(MailboxUnavailable, match="connection lost again during UID SEARCH"):
        box.pending(0)
    assert len(made) == 2   # exactly one transparent reconnect


# -- against Dovecot -------------------------------------------------------------------


@pytest.mark.dovecot
def test_pending_fetch_done_without_processed_folder(dovecot: DovecotServer) -> None:
    """GIVEN two messages in INBOX
    WHEN the adapter lists, fetches and marks them done with no processed folder
    THEN it returns the exact bytes and INTERNALDATE, and the server is left as it was."""
    received = dt.datetime(2020, 6, 30, 23, 59, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    dovecot.append(message(1), internaldate=received)
    dovecot.append(message(2))
    with box_for(dovecot) as box:
        assert box.key == f"imap://127.0.0.1:{dovecot.port}/INBOX"
        assert box.uidvalidity() == dovecot.uidvalidity()
        assert box.pending(0) == ["1", "2"]
        first = box.fetch("1")
        assert (first.uid, first.key, first.raw) == (1, "1", message(1))
        assert first.internaldate == received
        assert first.internaldate.tzinfo == dt.timezone.utc
        box.fetch("2")
        box.done("1")
    assert dovecot.message_count("INBOX") == 2
    assert dovecot.folders() == ["INBOX"]
    assert dovecot.flags_of_all("INBOX") == {1: frozenset(), 2: frozenset()}   # nothing became \Seen


@pytest.mark.dovecot
def test_pending_after_last_uid_returns_only_new(dovecot: DovecotServer) -> None:
    for n in (1, 2, 3):
        dovecot.append(message(n))
    with box_for(dovecot) as box:
        assert box.pending(3) == []        # the server answers UID 4:* with 3; filtered out
        assert box.pending(99) == []
        dovecot.append(message(4))
        assert box.pending(3) == ["4"]
        assert box.pending(2) == ["3", "4"]


@pytest.mark.dovecot
def test_done_moves_to_processed_folder_with_move(dovecot: DovecotServer, spy: Callable) -> None:
    """GIVEN a processed folder that does not exist yet
    WHEN done() runs for one of two messages
    THEN the folder is created and the message MOVEd there, still unseen."""
    moves, copies = spy("move"), spy("copy")
    dovecot.append(message(1))
    dovecot.append(message(2))
    with box_for(dovecot, processed_folder="Akson/Behandlet") as box:
        box.done(box.pending(0)[0])
        box.done("1")   # repeated after a crash: the UID is gone, nothing happens
    assert len(moves) == 2 and copies == []
    assert dovecot.folders() == ["Akson", "Akson/Behandlet", "INBOX"]
    assert dovecot.message_count("INBOX") == 1
    assert dovecot.message_count("Akson/Behandlet") == 1
    assert dovecot.flags_of_all("Akson/Behandlet") == {1: frozenset()}
    assert dovecot.flags_of_all("INBOX") == {2: frozenset()}


@pytest.mark.dovecot
def test_done_copy_and_uid_expunge_when_move_is_not_used(dovecot: DovecotServer, spy: Callable) -> None:
    """GIVEN an adapter told to ignore MOVE (as on a server without it)
    WHEN done() runs
    THEN COPY, STORE \\Deleted and UID EXPUNGE move only that message."""
    moves, copies, expunges = spy("move"), spy("copy"), spy("uid_expunge")
    dovecot.append(message(1))
    dovecot.append(message(2), flags=(b"\\Deleted",))   # someone else's: must survive our expunge
    settings = ImapSettings(host=dovecot.host, port=dovecot.port, tls=False, username=dovecot.username,
                            password=dovecot.password, timeout=5.0)
    with ImapMailbox(settings, processed_folder="Behandlet", allow_move=False, sleep=RecordingSleep()) as box:
        box.done("1")
    assert moves == [] and len(copies) == 1 and expunges == [([1],)]
    assert dovecot.message_count("Behandlet") == 1
    assert dovecot.flags_of_all("Behandlet") == {1: frozenset()}   # the copy is not \Deleted
    assert dovecot.flags_of_all("INBOX") == {2: frozenset({"\\Deleted"})}


@pytest.mark.dovecot
def test_uidvalidity_change_is_detected(dovecot: DovecotServer) -> None:
    """GIVEN an open adapter that has seen UIDVALIDITY v1
    WHEN the folder is renumbered (v2) and Dovecot drops the session
    THEN the next call raises UidValidityChanged(v1, v2) and the adapter carries on under v2."""
    dovecot.append(message(1))
    with box_for(dovecot) as box:
        old = box.uidvalidity()
        new = dovecot.bump_uidvalidity()
        with pytest.raises(UidValidityChanged) as caught:
            box.pending(0)
        assert (caught.value.old, caught.value.new) == (old, new)
        assert box.uidvalidity() == new
        assert box.pending(0) == ["1"]


@pytest.mark.dovecot
def test_uidvalidity_reports_a_change_without_raising(dovecot: DovecotServer) -> None:
    with box_for(dovecot) as box:
        box.uidvalidity()
        new = dovecot.bump_uidvalidity()
        assert box.uidvalidity() == new


@pytest.mark.dovecot
def test_server_restart_between_calls_is_transparent(dovecot: DovecotServer) -> None:
    dovecot.append(message(1))
    sleep = RecordingSleep()
    with box_for(dovecot, sleep=sleep) as box:
        assert box.pending(0) == ["1"]
        dovecot.restart()
        assert box.pending(0) == ["1"]
        dovecot.restart()
        assert box.fetch("1").raw == message(1)
    assert sleep.delays == []


@pytest.mark.dovecot
def test_wrong_password_is_auth_error_at_once(dovecot: DovecotServer) -> None:
    sleep = RecordingSleep()
    began = time.monotonic()
    with pytest.raises(MailboxAuthError, match="login as 'akson' refused") as caught:
        with box_for(dovecot, password="wrong", sleep=sleep):
            pass
    assert time.monotonic() - began < QUICK_S
    assert sleep.delays == []   # no retry
    assert "wrong" not in str(caught.value)


@pytest.mark.dovecot
def test_missing_message_and_missing_folder(dovecot: DovecotServer) -> None:
    dovecot.append(message(1))
    with box_for(dovecot) as box:
        assert box.pending(0) == ["1"]
        with dovecot.client() as other:   # someone deletes it between pending and fetch
            other.select_folder("INBOX")
            other.delete_messages([1])
            other.expunge()
        with pytest.raises(MessageNotFound, match="'1'"):
            box.fetch("1")
    with pytest.raises(MailboxError, match="cannot select folder 'Finnes ikke'"):
        with box_for(dovecot, folder="Finnes%20ikke"):
            pass


@pytest.mark.dovecot
def test_xoauth2_login(dovecot_factory: Callable[..., DovecotServer]) -> None:
    """GIVEN Dovecot checking bearer tokens against an introspection endpoint
    WHEN the adapter logs in with a token from a command (as with an MSAL helper)
    THEN XOAUTH2 succeeds, and a refused token is MailboxAuthError without waiting."""
    server = dovecot_factory(oauth2_tokens={"tok-good": DovecotServer.username})
    server.append(message(1))
    def good() -> str:
        return token_from_command([sys.executable, "-c", "print('tok-good')"])

    with box_for(server, password="", oauth2_token=good) as box:
        assert box.pending(0) == ["1"]
    assert "method=XOAUTH2" in server.log_text()
    assert server.introspection is not None and server.introspection.requests == 1

    sleep = RecordingSleep()
    began = time.monotonic()
    with pytest.raises(MailboxAuthError, match="refused"):
        with box_for(server, password="", oauth2_token=lambda: "tok-expired", sleep=sleep):
            pass
    assert time.monotonic() - began < QUICK_S
    assert sleep.delays == []


@pytest.mark.dovecot
def test_imaps(dovecot_factory: Callable[..., DovecotServer]) -> None:
    """GIVEN Dovecot with a self-signed certificate on its imaps port
    WHEN the adapter trusts that certificate THEN it works over TLS;
    WHEN it does not THEN MailboxUnavailable at once (retrying cannot fix a certificate)."""
    server = dovecot_factory(tls=True)
    server.append(message(1))
    assert server.cert_path is not None
    trusting = ssl.create_default_context(cafile=str(server.cert_path))
    settings = ImapSettings(host=server.host, port=server.tls_port, tls=True, username=server.username,
                            password=server.password, timeout=5.0, ssl_context=trusting)
    with ImapMailbox(settings) as box:
        assert box.fetch("1").raw == message(1)
    sleep = RecordingSleep()
    with pytest.raises(MailboxUnavailable, match="certificate"):
        with open_mailbox(f"imaps://{server.host}:{server.tls_port}/INBOX", username=server.username,
                          password=server.password, sleep=sleep, timeout=5.0):
            pass
    assert sleep.delays == []


@pytest.mark.parametrize("host, tls, starttls, wanted", [
    ("127.0.0.1", False, None, False),
    ("localhost", False, None, False),
    ("::1", False, None, False),
    ("imap.kommune.example", False, None, True),
    ("10.0.0.5", False, None, True),
    ("imap.kommune.example", True, None, False),
    ("127.0.0.1", False, True, True),
], ids=["loopback-v4", "localhost", "loopback-v6", "remote-name", "remote-ip", "imaps", "forced"])
def test_plain_imap_upgrades_unless_loopback(host, tls, starttls, wanted) -> None:
    assert ImapSettings(host=host, port=143, tls=tls, starttls=starttls).wants_starttls is wanted


@pytest.mark.dovecot
def test_starttls(dovecot_factory: Callable[..., DovecotServer]) -> None:
    """GIVEN Dovecot with a certificate WHEN the adapter connects to its plain port with
    STARTTLS THEN mail is fetched over TLS; GIVEN a server without TLS THEN the adapter
    refuses to log in at all, at once."""
    server = dovecot_factory(tls=True)
    server.append(message(1))
    trusting = ssl.create_default_context(cafile=str(server.cert_path))
    settings = ImapSettings(host=server.host, port=server.port, tls=False, starttls=True,
                            username=server.username, password=server.password, timeout=5.0,
                            ssl_context=trusting)
    with ImapMailbox(settings) as box:
        assert box.fetch("1").raw == message(1)
    assert "Login: user=" in server.log_text() and "TLS" in server.log_text()
    plain = dovecot_factory()
    sleep = RecordingSleep()
    refused = ImapSettings(host=plain.host, port=plain.port, tls=False, starttls=True,
                           username=plain.username, password=plain.password, timeout=5.0)
    with pytest.raises(MailboxUnavailable, match="STARTTLS"):
        with ImapMailbox(refused, sleep=sleep):
            pass
    assert sleep.delays == []
    assert "Login: user=" not in plain.log_text(), "the password never went out"
