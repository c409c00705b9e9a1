"""OAuth2 access tokens for XOAUTH2 logins (Microsoft 365, Gmail), read afresh at each login.

Tokens expire within the hour, so the IMAP adapter asks for one each time it logs in:
from an environment variable kept fresh by something else, or from a command (e.g. a
small MSAL script) that prints one.
"""
from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence

from .base import MailboxAuthError


def token_from_env(var: str) -> str:
    """The OAuth2 access token in environment variable ``var``, stripped."""
    value = os.environ.get(var, "").strip()
    if not value:
        raise MailboxAuthError(f"OAuth2 token: environment variable {var} is unset or empty")
    return value


def token_from_command(argv: Sequence[str], timeout: float = 30.0) -> str:
    """Run ``argv`` (e.g. a small MSAL script) and return its stdout, stripped.

    Errors never quote stdout, where the token would be, nor the arguments, where a
    client secret might be; only the program name, exit status and last stderr line.
    """
    argv = tuple(argv)
    if not argv:
        raise MailboxAuthError("OAuth2 token command is empty")
    name = os.path.basename(argv[0])
    # Failures are raised outside the except blocks so that no exception context holds
    # on to TimeoutExpired, which carries the argv and any partial stdout.
    failure = ""
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        failure = f"did not finish within {timeout:g} s"
    except OSError as err:
        failure = f"could not run: {err.strerror}"
    if failure:
        raise MailboxAuthError(f"OAuth2 token command {name!r} {failure}")
    if done.returncode != 0:
        hint = _last_line(done.stderr)
        raise MailboxAuthError(
            f"OAuth2 token command {name!r} failed with exit status {done.returncode}" + (f": {hint}" if hint else "")
        )
    value = done.stdout.decode("utf-8", "replace").strip()
    if not value:
        raise MailboxAuthError(f"OAuth2 token command {name!r} printed no token")
    return value


def _last_line(stderr: bytes, limit: int = 200) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1][:limit] if lines else ""
