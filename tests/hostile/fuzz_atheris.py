"""Coverage-guided fuzzing of the whole analysis with atheris (``make fuzz``; not in CI).

Seeds come from the sample factory (tests/hostile/seeds.py) and are written to the
corpus directory on first use; atheris keeps what it finds there. Any exception out of
``Analyser.analyse`` is a bug: the parsers promise to turn every input into a decision.
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import atheris  # noqa: E402

with atheris.instrument_imports():
    from parsers.analyse import Analyser  # noqa: E402
from tests.hostile.seeds import seed_corpus  # noqa: E402
from tests.parsers.conftest import load_registry  # noqa: E402

CORPUS = ROOT / "var" / "fuzz-corpus"
RECEIVED = dt.datetime(2020, 6, 2, 10, 0, tzinfo=dt.timezone.utc)
REGISTRY = load_registry()
ANALYSER = Analyser(REGISTRY, invited=frozenset(m.number for m in REGISTRY if m.invited),
                    deadline=dt.datetime(2020, 7, 1, tzinfo=dt.timezone.utc))


def one_input(data: bytes) -> None:
    ANALYSER.analyse(data, received_at=RECEIVED)


def main() -> None:
    if not CORPUS.exists():
        CORPUS.mkdir(parents=True)
        for index, raw in enumerate(seed_corpus()):
            (CORPUS / f"seed-{index:03}.eml").write_bytes(raw)
    atheris.Setup([sys.argv[0], str(CORPUS), *sys.argv[1:]], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
