"""The IMAP adapter: connection and login in one place, then the Mailbox protocol.

Layers (style.md, guideline 1): ``connect`` owns sockets, TLS, login and retries;
``select.py`` decides which UIDs are new and how to move a message; ``ImapMailbox``
wires the two to the Mailbox protocol. The network is reached only through
``client_factory``, the seam a unit test may replace.

Nothing here ever changes a flag on fetch (BODY.PEEK[]); the only write is ``done``,
which the poller calls after the raw bytes are committed (architecture.md, rule 1).
"""
from __future__ import annotations

import imaplib
import logging
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from imapclient import DELETED, IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from intake.hosts import is_loopback

from .base import (
    FetchedMessage,
    MailboxAuthError,
    MailboxError,
    MailboxUnavailable,
    MessageNotFound,
    UidValidityChanged,
)
from .tokens import token_from_command, token_from_env  # noqa: F401 - part of this module's API
from .select import (
    MoveStrategy,
    internaldate_utc,
    key_from_uid,
    move_strategy,
    new_uids,
    search_criteria,
    uid_from_key,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

# First retry after 1 s, then doubling: a restarting Dovecot or a flapping load
# balancer answers again within seconds, and the default 3 retries give up after
# 1 + 2 + 4 = 7 s of waiting, short next to a poll interval of minutes (the next
# cycle simply tries again).
BACKOFF_BASE_SECONDS = 1.0
# So that a generous ``retries`` never sleeps for many minutes in one go.
BACKOFF_CAP_SECONDS = 60.0

# "The connection is gone or never came up": worth a reconnect. NO/BAD answers
# (plain IMAPClientError) are the server's verdict and are not retried.
# imaplib.IMAP4.abort is a subclass of IMAPClientError, so catch this tuple first.
_CONNECTION_ERRORS = (OSError, imaplib.IMAP4.abort)


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    folder: str = "INBOX"
    tls: bool = True
    username: str = ""
    password: str = field(default="", repr=False)
    oauth2_token: Callable[[], str] | None = field(default=None, repr=False)
    timeout: float = 30.0
    retries: int = 3
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)
    # imap:// only: upgrade with STARTTLS before logging in. None: required unless the
    # host is loopback (the tests' private servers), so a password never crosses a
    # network in clear text.
    starttls: bool | None = None

    @property
    def wants_starttls(self) -> bool:
        if self.tls:
            return False
        return self.starttls if self.starttls is not None else not is_loopback(self.host)

    @property
    def key(self) -> str:
        """Identity of the folder for the ledger: no credentials, same for imap/imaps."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"imap://{host}:{self.port}/{self.folder}"


ClientFactory = Callable[[ImapSettings], IMAPClient]


def new_client(settings: ImapSettings) -> IMAPClient:
    """Open the socket (and TLS for imaps). The only place a connection starts."""
    context = None
    if settings.tls:
        context = settings.ssl_context or ssl.create_default_context()
    client = IMAPClient(
        settings.host,
        port=settings.port,
        ssl=settings.tls,
        ssl_context=context,
        timeout=settings.timeout,
    )
    # Keep the server's UTC offset on INTERNALDATE; the default converts to naive local time.
    client.normalise_times = False
    if settings.wants_starttls:
        try:
            offered = b"STARTTLS" in client.capabilities()
            if offered:
                client.starttls(settings.ssl_context or ssl.create_default_context())
        except BaseException:
            _discard(client)
            raise
        if not offered:
            _discard(client)
            raise MailboxUnavailable(f"{settings.key}: the server offers no STARTTLS; refusing to "
                                     "log in without TLS (use imaps://)")
    return client


def backoff_delays(retries: int) -> list[float]:
    """Sleeps between connection attempts: 1, 2, 4, ... seconds, capped."""
    return [min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**i) for i in range(max(0, retries))]


def connect(
    settings: ImapSettings,
    *,
    sleep: Callable[[float], None] = time.sleep,
    client_factory: ClientFactory = new_client,
) -> IMAPClient:
    """A logged-in client, after at most ``1 + settings.retries`` attempts.

    A refused login raises MailboxAuthError at once: retrying a wrong password only
    earns a lockout. Connection failures are retried with exponential backoff and end
    in MailboxUnavailable.
    """
    delays = backoff_delays(settings.retries)
    attempts = len(delays) + 1
    last_error: BaseException | None = None
    for attempt in range(attempts):
        try:
            return _connect_once(settings, client_factory)
        except ssl.SSLCertVerificationError as err:
            # A configuration problem, not a transient one: waiting will not fix it.
            raise MailboxUnavailable(f"{settings.key}: TLS certificate rejected: {err}") from err
        except _CONNECTION_ERRORS as err:
            last_error = err
            log.warning("%s: connection attempt %d/%d failed: %s", settings.key, attempt + 1, attempts, err)
        if attempt < len(delays):
            sleep(delays[attempt])
    raise MailboxUnavailable(
        f"{settings.key}: unreachable after {attempts} attempts: {last_error}"
    ) from last_error


def _connect_once(settings: ImapSettings, client_factory: ClientFactory) -> IMAPClient:
    client = client_factory(settings)
    try:
        _login(client, settings)
    except BaseException:
        _discard(client)
        raise
    return client


def _login(client: IMAPClient, settings: ImapSettings) -> None:
    try:
        if settings.oauth2_token is not None:
            client.sasl_login("XOAUTH2", XOAuth2(settings.username, settings.oauth2_token()))
        else:
            client.login(settings.username, settings.password)
    except LoginError as err:
        # imapclient wraps everything during login in LoginError, a dropped
        # connection included; that one is transient, so hand it back to the retry loop.
        if isinstance(err.__context__, _CONNECTION_ERRORS):
            raise err.__context__ from err
        raise MailboxAuthError(f"{settings.key}: login as {settings.username!r} refused: {err}") from err


class XOAuth2:
    """SASL XOAUTH2 client side (Microsoft 365, Gmail): credentials, then an empty reply.

    Not ``IMAPClient.oauth2_login``: that answers every challenge with the credentials
    again. When a token is refused the server sends a JSON error as a second challenge
    and waits for an empty line; Dovecot 2.3 then waits until our socket timeout, which
    would look like a network failure and be retried instead of failing as an auth error.
    """

    def __init__(self, user: str, token: str) -> None:
        self._initial = f"user={user}\x01auth=Bearer {token}\x01\x01".encode()
        self._sent = False

    def __call__(self, challenge: bytes) -> bytes:
        if self._sent:
            return b""
        self._sent = True
        return self._initial

    def __repr__(self) -> str:   # tracebacks and logs must never show the token
        return "XOAuth2(<redacted>)"


def _discard(client: IMAPClient) -> None:
    """Drop a connection we no longer trust, without a LOGOUT round trip."""
    try:
        client.shutdown()
    except (OSError, IMAPClientError):
        pass


class ImapMailbox:
    """One IMAP folder behind the Mailbox protocol (see base.py).

    The connection opens on ``__enter__`` (or the first call). If the server drops it
    between calls, the call reconnects once, re-selects, and checks that UIDVALIDITY is
    unchanged; if it changed, every UID the poller holds is void and UidValidityChanged
    is raised (the adapter stays usable under the new value).
    """

    def __init__(
        self,
        settings: ImapSettings,
        *,
        processed_folder: str = "",
        sleep: Callable[[float], None] = time.sleep,
        client_factory: ClientFactory = new_client,
        allow_move: bool = True,   # False only in tests, to force COPY + EXPUNGE on a MOVE server
    ) -> None:
        self.settings = settings
        self.key = settings.key
        self._processed_folder = processed_folder
        self._sleep = sleep
        self._client_factory = client_factory
        self._allow_move = allow_move
        self._client: IMAPClient | None = None
        self._uidvalidity: int | None = None
        self._processed_ready = False

    def __enter__(self) -> ImapMailbox:
        if self._client is None:
            self._open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except (OSError, IMAPClientError):
            _discard(client)

    # -- the Mailbox protocol --------------------------------------------------------

    def uidvalidity(self) -> int:
        # A fresh SELECT each time: cheap, and it catches a renumbering even on a
        # server that keeps the session open across it (Dovecot drops the session).
        try:
            value = self._run(self._select, "SELECT")
        except UidValidityChanged as changed:
            return changed.new   # the caller asked for the current value: this is it
        self._uidvalidity = value
        return value

    def pending(self, last_uid: int) -> list[str]:
        found = self._run(lambda c: _search_new(c, last_uid), "UID SEARCH")
        return [key_from_uid(uid) for uid in new_uids(found, last_uid)]

    def fetch(self, key: str) -> FetchedMessage:
        uid = uid_from_key(key)
        data = self._run(lambda c: c.fetch([uid], [b"BODY.PEEK[]", b"INTERNALDATE"]), "UID FETCH")
        item = data.get(uid) or {}
        raw = item.get(b"BODY[]")
        if raw is None:
            raise MessageNotFound(self.key, key)
        return FetchedMessage(
            uid=uid, key=key, raw=bytes(raw), internaldate=internaldate_utc(item.get(b"INTERNALDATE"))
        )

    def done(self, key: str) -> None:
        if not self._processed_folder:
            return
        uid = uid_from_key(key)
        self._run(lambda c: self._move(c, uid), f"moving UID {uid} to {self._processed_folder!r}")

    # -- push (IDLE, RFC 2177) ---------------------------------------------------------

    def supports_idle(self) -> bool:
        return b"IDLE" in self._run(lambda c: c.capabilities(), "CAPABILITY")

    def wait_for_mail(self, *, seconds: float, stop: Callable[[], bool], check_every: float = 1.0) -> bool:
        """IDLE until the server announces mail (EXISTS), ``stop()`` turns true, or
        ``seconds`` pass; True when mail was announced. The caller re-IDLEs in a loop,
        so ``seconds`` must stay under the server's inactivity limit (30 minutes)."""
        if self._client is None:
            self._open()
        client = self._client
        assert client is not None
        try:
            client.idle()
            deadline = time.monotonic() + seconds
            announced = False
            try:
                while not announced and not stop() and time.monotonic() < deadline:
                    announced = _announces_mail(client.idle_check(timeout=check_every))
            finally:
                # Mail that came just as we ended the IDLE is reported with DONE's reply.
                _text, pending = client.idle_done()
            return announced or _announces_mail(pending)
        except _CONNECTION_ERRORS as err:
            self._drop()
            raise MailboxUnavailable(f"{self.key}: connection lost during IDLE: {err}") from err
        except IMAPClientError as err:
            self._drop()
            raise MailboxError(f"{self.key}: IDLE refused: {err}") from err

    # -- connection handling ---------------------------------------------------------

    def _open(self) -> None:
        client = connect(self.settings, sleep=self._sleep, client_factory=self._client_factory)
        try:
            current = self._select(client)
        except _CONNECTION_ERRORS as err:
            _discard(client)
            raise MailboxUnavailable(f"{self.key}: connection lost during SELECT: {err}") from err
        except IMAPClientError as err:
            _discard(client)
            raise MailboxError(f"{self.key}: cannot select folder {self.settings.folder!r}: {err}") from err
        self._client = client
        previous, self._uidvalidity = self._uidvalidity, current
        if previous is not None and previous != current:
            raise UidValidityChanged(self.key, previous, current)

    def _select(self, client: IMAPClient) -> int:
        # Read-write, as the move in done() needs; fetching uses BODY.PEEK so no flag changes.
        info = client.select_folder(self.settings.folder, readonly=False)
        return int(info[b"UIDVALIDITY"])

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            _discard(client)

    def _run(self, op: Callable[[IMAPClient], T], what: str) -> T:
        """Run ``op`` on the live client, reconnecting once if the connection is gone."""
        if self._client is None:
            self._open()
        for attempt in (1, 2):
            assert self._client is not None
            try:
                return op(self._client)
            except _CONNECTION_ERRORS as err:
                self._drop()
                if attempt == 2:
                    raise MailboxUnavailable(f"{self.key}: connection lost again during {what}: {err}") from err
                log.info("%s: connection lost during %s (%s); reconnecting", self.key, what, err)
            except IMAPClientError as err:
                raise MailboxError(f"{self.key}: {what} refused: {err}") from err
            self._open()   # may raise UidValidityChanged, MailboxAuthError, MailboxUnavailable
        raise AssertionError("unreachable")

    def _move(self, client: IMAPClient, uid: int) -> None:
        folder = self._processed_folder
        if not self._processed_ready:
            _ensure_folder(client, folder)
            self._processed_ready = True
        # A UID that is already gone (done() repeated after a crash) is a no-op on the server.
        strategy = move_strategy(client.capabilities(), allow_move=self._allow_move)
        if strategy is MoveStrategy.MOVE:
            client.move([uid], folder)
            return
        client.copy([uid], folder)
        client.add_flags([uid], [DELETED], silent=True)
        if strategy is MoveStrategy.COPY_UID_EXPUNGE:
            client.uid_expunge([uid])
        else:
            # Without UIDPLUS this also expunges other \Deleted mail in the folder; in a
            # campaign inbox that mail was marked for deletion by someone anyway.
            client.expunge()


def _announces_mail(responses) -> bool:
    """True when untagged responses include ``* n EXISTS`` (new mail in the folder)."""
    return any(len(r) > 1 and r[1] == b"EXISTS" for r in responses)


def _search_new(client: IMAPClient, last_uid: int) -> list[int]:
    # A selected folder's view catches up with mail delivered after the SELECT only
    # when the server may send updates; Dovecot does not do so before a SEARCH, so a
    # long-lived session would never see new mail. NOOP is the standard nudge.
    client.noop()
    return client.search(search_criteria(last_uid))


def _ensure_folder(client: IMAPClient, folder: str) -> None:
    if client.folder_exists(folder):
        return
    try:
        client.create_folder(folder)
    except imaplib.IMAP4.abort:
        raise
    except IMAPClientError:
        # Another worker may have created it between our LIST and CREATE.
        if not client.folder_exists(folder):
            raise
