"""The sender-trust and signature settings: checked at start-up, errors name the key."""
from __future__ import annotations

import pytest

from intake.config import ConfigError, parse_config


def test_intermediaries_default_to_none_and_accept_numbers_or_all():
    assert parse_config({})["senders.intermediaries"] == {}
    cfg = parse_config({"senders": {"intermediaries": {"IKT-Follo.no": ["3019", "3020"], "ks.no": ["*"]}}})
    assert cfg["senders.intermediaries"] == {"ikt-follo.no": ("3019", "3020"), "ks.no": ("*",)}


@pytest.mark.parametrize("value, key", [
    pytest.param(["ikt.no"], "senders.intermediaries", id="not-a-table"),
    pytest.param({"not a domain": ["3019"]}, "senders.intermediaries.not a domain", id="bad-domain"),
    pytest.param({"ikt.no": ["Vestby"]}, "senders.intermediaries.ikt.no", id="name-not-number"),
    pytest.param({"ikt.no": []}, "senders.intermediaries.ikt.no", id="empty-list"),
    pytest.param({"ikt.no": "3019"}, "senders.intermediaries.ikt.no", id="string-not-list"),
])
def test_bad_intermediaries_name_the_key(value, key):
    with pytest.raises(ConfigError) as err:
        parse_config({"senders": {"intermediaries": value}})
    assert key in str(err.value)


def test_trust_roots_are_a_list_of_paths():
    assert parse_config({})["signatures.trust_roots"] == ()
    with pytest.raises(ConfigError) as err:
        parse_config({"signatures": {"trust_roots": "buypass.pem"}})
    assert "signatures.trust_roots" in str(err.value)
