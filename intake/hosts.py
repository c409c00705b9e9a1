"""Where a network peer is: the one rule for "may a password go there without TLS"."""
from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (the tests' private servers), in any
    spelling: 127.0.0.1, ::1, [::1]."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
