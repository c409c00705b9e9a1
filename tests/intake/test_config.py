"""The configuration table: defaults, validation errors that name the key, docs coverage."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from intake.config import SETTINGS, ConfigError, defaults, load_config, parse_config

ROOT = Path(__file__).resolve().parents[2]


def test_example_config_sets_every_key_to_its_default():
    data = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    example = {f"{section}.{key}": value for section, table in data.items() for key, value in table.items()}
    declared = {s.key for s in SETTINGS}
    assert set(example) == declared
    assert parse_config(data).values == defaults()


def test_every_setting_has_help():
    assert all(s.help.strip() for s in SETTINGS)


def test_every_interface_key_is_declared():
    interface = ROOT.parent / "shared" / "design" / "interface.md"
    assert interface.exists(), "../shared/design/interface.md must sit beside the clone"
    block = interface.read_text(encoding="utf-8").split("```toml", 1)[1].split("```", 1)[0]
    section, keys = None, set()
    for line in block.splitlines():
        if m := re.match(r"^\[(\w+)\]", line):
            section = m.group(1)
        elif m := re.match(r"^(\w+)\s*=", line):
            keys.add(f"{section}.{m.group(1)}")
    assert keys <= {s.key for s in SETTINGS}


@pytest.mark.parametrize("data, key, fragment", [
    ({"mailbox": {"urll": "x"}}, "mailbox.urll", "unknown key"),
    ({"nosuch": {"a": 1}}, "nosuch.a", "unknown key"),
    ({"web": {"port": "8080"}}, "web.port", "integer"),
    ({"web": {"port": 70000}}, "web.port", "1 to 65535"),
    ({"campaign": {"deadline": "2020-07-01"}}, "campaign.deadline", "offset"),
    ({"campaign": {"timezone": "Mars/Olympus"}}, "campaign.timezone", "time zone"),
    ({"campaign": {"invited": ["301"]}}, "campaign.invited", "kommunenummer"),
    ({"campaign": {"thresholds": [1.5]}}, "campaign.thresholds", "between 0 and 1"),
    ({"mailbox": {"url": "pop3://host"}}, "mailbox.url", "imaps://"),
    ({"database": {"url": "mysql://x"}}, "database.url", "sqlite"),
    ({"reminders": {"send_time": "9am"}}, "reminders.send_time", "HH:MM"),
    ({"reminders": {"days_before_deadline": [0]}}, "reminders.days_before_deadline", "days"),
    ({"mailbox": "x"}, "mailbox", "table"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_bad_values_name_the_key(data, key, fragment):
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    assert info.value.key == key
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_secret_comes_from_the_named_environment_variable(monkeypatch):
    cfg = parse_config({"mailbox": {"password_env": "AKSON_TEST_PW"}})
    monkeypatch.setenv("AKSON_TEST_PW", "s3cret")
    assert cfg.secret("mailbox", "password") == "s3cret"
    monkeypatch.delenv("AKSON_TEST_PW")
    with pytest.raises(ConfigError, match="mailbox.password_env"):
        cfg.secret("mailbox", "password")


def test_relative_paths_are_relative_to_the_config_file(tmp_path):
    conf = tmp_path / "conf" / "config.toml"
    conf.parent.mkdir()
    conf.write_text('[database]\nurl = "sqlite:///./data/x.db"\n', encoding="utf-8")
    cfg = load_config(str(conf))
    assert cfg.database_url == f"sqlite:///{tmp_path / 'conf' / 'data' / 'x.db'}"


def test_missing_explicit_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(str(tmp_path / "nope.toml"))


def test_invalid_toml_is_an_error(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text("[mailbox\nurl=", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(str(bad))
