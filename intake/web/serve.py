"""Serve the web UI with uvicorn until Ctrl-C or SIGTERM."""
from __future__ import annotations

import datetime as dt
import logging
import signal
import socket
import threading
from contextlib import contextmanager
from typing import Callable

import uvicorn

from intake.accounts import FAILURE_WINDOW
from intake.app import App, UsageError
from intake.web.app import create_app
from storage import webusers
from storage.db import session_scope

log = logging.getLogger("akson.web")


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, made here so that port 0 (any free port) can be printed."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        raise UsageError(f"--port: cannot listen on {host}:{port}: {err.strerror}") from err
    sock.listen(128)
    return sock


def address_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def serve(app: App, *, host: str, port: int, clock: Callable[[], dt.datetime],
          sock: socket.socket | None = None, announce: bool = True) -> int:
    current = clock()
    with session_scope(app.sessions) as s:
        webusers.purge_expired(s, now=current, failures_before=current - FAILURE_WINDOW)
    sock = sock or bind(host, port)
    if announce:
        print(f"web UI on {address_of(sock)} (Ctrl-C stops it)", flush=True)
    config = uvicorn.Config(create_app(app, clock), log_level="warning", server_header=False,
                            proxy_headers=False, access_log=False)
    with _stop_quietly():
        uvicorn.Server(config).run(sockets=[sock])
    return 0


@contextmanager
def _stop_quietly():
    """uvicorn shuts down gracefully on SIGINT/SIGTERM and then raises the signal again for
    the previous handler; this handler takes it, so Ctrl-C or a stop ends with status 0."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
