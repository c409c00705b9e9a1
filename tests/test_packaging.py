"""What the Dockerfile and the README promise, checked without a Docker engine."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_dockerfile_copies_what_exists_and_runs_the_worker():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for src in re.findall(r"^COPY\s+(.+?)\s+\S+$", text, flags=re.M):
        for item in src.split():
            assert (ROOT / item).exists(), f"Dockerfile copies missing {item}"
    assert re.search(r"^FROM python:3\.11-slim", text, flags=re.M)
    assert "tesseract-ocr-nor" in text
    assert re.search(r"^USER (?!root)\w+", text, flags=re.M), "the image must not run as root"
    assert 'CMD ["akson-intake", "run"]' in text


def test_readme_opens_with_the_two_commands():
    head = "\n".join((ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:8])
    assert "make demo" in head and "make test" in head


def test_console_entry_point_runs_as_a_module():
    out = subprocess.run([sys.executable, "-m", "intake", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0
    for command in ("db", "run", "poll", "send", "remind", "status", "export", "review",
                    "municipalities", "web", "demo"):
        assert command in out.stdout


def test_package_data_ships_the_registry_and_migrations():
    import storage
    base = Path(storage.__file__).parent
    assert (base / "data" / "municipalities_2020.csv").exists()
    assert (base / "data" / "municipality_aliases.csv").exists()
    assert list((base / "migrations" / "versions").glob("0001_*.py"))


def test_package_data_ships_the_web_ui_files():
    """pip install . (not editable) copies only declared data: the web UI needs its CSS."""
    import fnmatch
    import tomllib
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
    for package, folder in (("intake", ROOT / "intake"), ("templates", ROOT / "templates")):
        files = [p.relative_to(folder).as_posix() for p in folder.rglob("*")
                 if p.is_file() and p.suffix in (".css", ".svg", ".js", ".html")]
        assert files, package
        for name in files:
            assert any(fnmatch.fnmatch(name, pattern) for pattern in data[package]), f"{package}/{name} is not shipped"
