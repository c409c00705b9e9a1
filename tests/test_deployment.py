"""compose.yaml and its config, checked without a Docker engine: what they run is real.

Every command a service runs must parse with the real CLI parser (a typo would only show
as a container restarting forever), the worker must be scalable and stoppable, the web
UI published on loopback only, and the config the compose file mounts must load.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from intake.cli import build_parser
from intake.config import load_config

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def _intake_services(compose: dict) -> dict[str, dict]:
    return {name: s for name, s in compose["services"].items() if s.get("image", "").startswith("akson-intake")}


def test_every_command_is_a_real_cli_command(compose):
    services = _intake_services(compose)
    assert set(services) == {"migrate", "worker", "web"}
    for name, service in services.items():
        command = service["command"]
        assert isinstance(command, list) and command[0] == "akson-intake", name
        try:
            args = build_parser().parse_args(command[1:])
        except SystemExit as exc:   # argparse refuses: not a command the CLI knows
            pytest.fail(f"service {name}: {' '.join(command)} is not a valid command ({exc})")
        assert args.command != "demo", "the demo does not belong in a deployment"
    assert services["worker"]["command"] == ["akson-intake", "run"]
    assert services["migrate"]["command"] == ["akson-intake", "db", "upgrade"]
    assert build_parser().parse_args(services["web"]["command"][1:]).command == "web"


def test_the_worker_scales_and_stops_cleanly(compose):
    worker = compose["services"]["worker"]
    assert "container_name" not in worker and "ports" not in worker, "replicas need neither"
    assert worker["stop_signal"] == "SIGTERM"
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert compose["services"]["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_postgresql_and_a_loopback_only_web_port(compose):
    db = compose["services"]["db"]
    assert db["image"].startswith("postgres:") and "healthcheck" in db
    assert all(port.startswith("127.0.0.1:") for port in compose["services"]["web"]["ports"])
    assert "ports" not in db, "the database is reachable only from the compose network"


def test_the_mounted_config_loads_and_points_at_the_db_service(compose, monkeypatch):
    mounts = compose["services"]["worker"]["volumes"]
    assert "./config.toml:/config/config.toml:ro" in mounts
    config = load_config(ROOT / "compose.config.toml")
    assert config["database.url"].startswith("postgresql+psycopg://") and "@db:" in config["database.url"]
    assert config["mailbox.password_env"] in compose["services"]["worker"]["environment"]
    assert config["smtp.password_env"] in compose["services"]["worker"]["environment"]
    assert config["mailbox.idle"] is True
