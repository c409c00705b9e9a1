"""Staff accounts: argon2id password hashes, login with rate limiting, the ``users`` command.

Rate limiting counts refused logins in the database (so every web process sees the
same counts): per account, so nobody can guess one person's password, and per address,
so one machine cannot try many accounts. While a limit is reached even the right
password is refused, so a guesser learns nothing from the answer.
"""
from __future__ import annotations

import datetime as dt
import getpass
import sys
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from intake.app import App, UsageError
from storage import webusers
from storage.db import session_scope

# argon2-cffi's defaults are the RFC 9106 "low memory" profile of argon2id (64 MiB, 3
# passes): about 50 ms a login here, slow for a guesser, quick for staff.
_HASHER = PasswordHasher()

FAILURE_WINDOW = dt.timedelta(minutes=15)
# Five wrong passwords in 15 minutes is more than a person mistyping; twenty from one
# address is more than an office behind one NAT address logging in wrong.
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
MIN_PASSWORD_LENGTH = 10
MAX_NAME_LENGTH = 64


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Spend the same time as a real check, so a missing account is not told apart.
        _HASHER.hash(password)
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class LoginResult:
    user: webusers.UserInfo | None
    limited: bool = False


def authenticate(app: App, name: str, password: str, address: str, *, now: dt.datetime) -> LoginResult:
    name = name.strip()[:MAX_NAME_LENGTH]
    since = now - FAILURE_WINDOW
    with session_scope(app.sessions) as s:
        if (webusers.failures_since(s, since=since, username=name) >= MAX_FAILURES_PER_ACCOUNT
                or webusers.failures_since(s, since=since, address=address) >= MAX_FAILURES_PER_ADDRESS):
            webusers.record_failure(s, name, address, now=now)
            return LoginResult(None, limited=True)
        found = webusers.find_user(s, name)
        ok = verify_password(found[1] if found else None, password)
        if ok and found and found[0].active:
            webusers.clear_failures(s, name)
            return LoginResult(found[0])
        webusers.record_failure(s, name, address, now=now)
        return LoginResult(None)


# --- the command -------------------------------------------------------------------------

def _read_password(args) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {args.name}: ")
        if getpass.getpass("Again: ") != password:
            raise UsageError("the two passwords differ")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UsageError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    return password


def _check_name(name: str) -> str:
    if not name or len(name) > MAX_NAME_LENGTH or not name.isprintable() or name != name.strip():
        raise UsageError(f"name: 1 to {MAX_NAME_LENGTH} printable characters without surrounding spaces")
    return name


def users_cmd(app: App, args) -> int:
    now = app.now()
    try:
        with session_scope(app.sessions) as s:
            if args.users_command == "list":
                for u in webusers.list_users(s):
                    print(f"{u.name}\t{u.role}\t{'active' if u.active else 'disabled'}")
                return 0
            if args.users_command == "disable":
                ended = webusers.disable_user(s, args.name, now=now)
                print(f"user {args.name} disabled; {ended} session(s) ended")
                return 0
        if args.users_command == "add":
            password = None if args.no_password else _read_password(args)
            with session_scope(app.sessions) as s:
                webusers.add_user(s, _check_name(args.name), args.role,
                                  hash_password(password) if password else None, now=now)
            print(f"user {args.name} added as {args.role}")
        elif args.users_command == "passwd":
            password = _read_password(args)
            with session_scope(app.sessions) as s:
                webusers.set_password(s, args.name, hash_password(password), now=now)
            print(f"password of {args.name} changed; their sessions ended")
        elif args.users_command == "role":
            with session_scope(app.sessions) as s:
                webusers.set_role(s, args.name, args.role, now=now)
            print(f"user {args.name} is now {args.role}")
    except webusers.UserError as err:
        raise UsageError(str(err)) from err
    return 0


def add_users_parser(sub, parser_class) -> None:
    users = sub.add_parser("users", help="staff accounts of the web UI").add_subparsers(
        dest="users_command", required=True, parser_class=parser_class)
    add = users.add_parser("add", help="add a user (password from a prompt or --password-stdin)")
    add.add_argument("name")
    add.add_argument("--role", choices=["viewer", "reviewer"], required=True)
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    add.add_argument("--no-password", action="store_true",
                     help="no password login: the user signs in through the single sign-on proxy only")
    pw = users.add_parser("passwd", help="set a new password (ends the user's sessions)")
    pw.add_argument("name")
    pw.add_argument("--password-stdin", action="store_true")
    users.add_parser("disable", help="disable a user and end their sessions").add_argument("name")
    role = users.add_parser("role", help="change a user's role")
    role.add_argument("name")
    role.add_argument("--role", choices=["viewer", "reviewer"], required=True)
    users.add_parser("list", help="every user with role and state")
