"""Small helpers shared by flow tests: paths, a config writer, running the CLI in-process."""
from __future__ import annotations

import contextlib
import email
import email.policy
import io
import json
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PUBLIC = SHARED / "corpus" / "public"
PEER = SHARED / "corpus" / "peer"


def require_shared() -> None:
    assert PUBLIC.exists(), f"the shared corpus must sit beside the clone: {SHARED} is missing"


def load_truth() -> dict:
    require_shared()
    return json.loads((PUBLIC / "truth.json").read_text(encoding="utf-8"))


def make_config(tmp: Path, *, inbox: Path | str, db_url: str | None = None, extra: str = "") -> Path:
    """A config file for a test run; ``inbox`` is a maildir path or an IMAP URL."""
    url = inbox if isinstance(inbox, str) else f"maildir://{inbox}"
    db_url = db_url or f"sqlite:///{tmp / 'akson.db'}"
    path = tmp / "config.toml"
    path.write_text(
        f'[mailbox]\nurl = "{url}"\n{extra}\n'
        f'[database]\nurl = "{db_url}"\n'
        f'[smtp]\nurl = "maildir://{tmp / "outbox"}"\n', encoding="utf-8")
    return path


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(config: Path | None, *args: str) -> CliResult:
    from intake.cli import main
    out, err = io.StringIO(), io.StringIO()
    argv = (["--config", str(config)] if config else []) + list(args)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:   # argparse usage errors
            code = exc.code if isinstance(exc.code, int) else 1
    return CliResult(code, out.getvalue(), err.getvalue())


def cli_json(config: Path, *args: str):
    result = run_cli(config, *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def attachment_bytes(raw: bytes, filename: str | None) -> bytes | None:
    """The bytes of the named attachment anywhere in a message (zips looked into)."""
    import zipfile
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    for part in msg.walk():
        if part.is_multipart():
            continue
        data = part.get_payload(decode=True)
        if not data:
            continue
        if part.get_filename() == filename:
            return data
        if data[:2] == b"PK" and filename:
            with contextlib.suppress(zipfile.BadZipFile):
                zf = zipfile.ZipFile(io.BytesIO(data))
                for name in zf.namelist():
                    if name.endswith(filename) or filename.endswith(name):
                        return zf.read(name)
    return None
