"""The command line: a thin edge that gathers options and calls the application.

Errors become one-line user messages only here. Exit status: 0 success, 1 runtime
failure, 2 usage or configuration error.
"""
from __future__ import annotations

import argparse
import logging
import sys
from typing import Sequence

from intake import commands
from intake.app import App, AppError, UsageError
from intake.config import ConfigError

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line with exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="akson-intake", description="Intake of Akson declarations of intent.")
    p.add_argument("--config", help="configuration file (default: $AKSON_INTAKE_CONFIG, else ./config.toml)")
    p.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True, parser_class=_Parser)
    db.add_parser("upgrade", help="create or migrate the schema (idempotent)")

    run = sub.add_parser("run", help="the worker")
    run.add_argument("--once", action="store_true", help="one full cycle of every job, then exit")
    run.add_argument("--now", help="campaign clock for this invocation (ISO 8601)")

    poll = sub.add_parser("poll", help="fetch and process new mail only")
    poll.add_argument("--once", action="store_true", required=True, help="one poll, then exit")
    poll.add_argument("--now", help="campaign clock (ISO 8601)")

    send = sub.add_parser("send", help="deliver what is due in the outbox")
    send.add_argument("--once", action="store_true", required=True, help="deliver what is due, then exit")
    send.add_argument("--now", help="campaign clock for this invocation (ISO 8601)")

    remind = sub.add_parser("remind", help="queue the reminders that are due")
    remind.add_argument("--dry-run", action="store_true")
    remind.add_argument("--now")

    status = sub.add_parser("status", help="campaign progress")
    status.add_argument("--json", action="store_true")
    status.add_argument("--now", help="count what had arrived by this time (ISO 8601)")

    export = sub.add_parser("export", help="export records")
    export.add_argument("what", choices=["submissions", "municipalities"])
    export.add_argument("--format", choices=["json", "csv"], default="json")

    review = sub.add_parser("review", help="the review queue").add_subparsers(dest="review_command", required=True, parser_class=_Parser)
    rl = review.add_parser("list", help="submissions waiting for staff")
    rl.add_argument("--json", action="store_true")
    rl.add_argument("--all", action="store_true", help="every submission, not only those in review")
    review.add_parser("show", help="one submission with its evidence").add_argument("id", type=int)
    ra = review.add_parser("assign", help="record a submission for a municipality (accept)")
    ra.add_argument("id", type=int)
    ra.add_argument("municipality", help="kommunenummer, e.g. 1818")
    ra.add_argument("--kind", choices=["declaration", "decline", "council_decision"], help="what it is (default: as detected, declaration if unclear)")
    ra.add_argument("--signer", action="append", default=[], metavar="NAME=TITLE", help="signer, repeatable (default: as detected)")
    ra.add_argument("--signed-date", help="date signed, YYYY-MM-DD (default: as detected)")
    ra.add_argument("--by", default="cli", help="who decides (kept in the audit log)")
    rr = review.add_parser("reject", help="reject a submission")
    rr.add_argument("id", type=int)
    rr.add_argument("--reason", required=True)
    rr.add_argument("--by", default="cli")

    munis = sub.add_parser("municipalities", help="the registry").add_subparsers(dest="muni_command", required=True, parser_class=_Parser)
    munis.add_parser("list", help="number, name, county, population, contacts, invited").add_argument("--json", action="store_true")
    munis.add_parser("import", help="upsert contacts from CSV (number,email[,name,cc,domains])").add_argument("file")

    templates = sub.add_parser("templates", help="outgoing mail templates").add_subparsers(dest="templates_command", required=True, parser_class=_Parser)
    tp = templates.add_parser("preview", help="print a rendered mail")
    tp.add_argument("name", help="template name, e.g. ack_signed, ack_decline, ack_review, reminder, late_notice")
    tp.add_argument("--municipality", required=True, help="kommunenummer, e.g. 4601")
    tp.add_argument("--lang", choices=["nb", "nn"], help="language form (default: the municipality's)")

    web = sub.add_parser("web", help="the staff web UI")
    web.add_argument("--host", help="address to listen on (default: [web] host)")
    web.add_argument("--port", type=int, help="port to listen on (default: [web] port)")
    web.add_argument("--now", help="campaign clock for the pages and decisions (ISO 8601; drills)")

    from intake.accounts import add_users_parser
    add_users_parser(sub, _Parser)

    demo = sub.add_parser("demo", help="the embedded default on sample data")
    demo.add_argument("--dir", default="var/demo", help="where the demo keeps its inbox, outbox and database")
    demo.add_argument("--count", type=int, default=48, help="how many sample messages to seed")
    demo.add_argument("--seed", type=int, default=2020)
    demo.add_argument("--no-web", action="store_true", help="run the cycle and print, but do not serve the web UI")
    demo.add_argument("--host", default="127.0.0.1", help="address the demo's web UI listens on")
    demo.add_argument("--port", type=int, default=8080, help="port of the demo's web UI (0: any free port)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s", stream=sys.stderr)
    try:
        if args.command == "demo":
            return commands.demo(args)
        app = App.from_config_path(args.config)
        return commands.dispatch(app, args)
    except (ConfigError, UsageError) as err:
        print(f"akson-intake: {err}", file=sys.stderr)
        return EXIT_USAGE
    except AppError as err:
        print(f"akson-intake: {(str(err).splitlines() or [''])[0]}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_FAILURE
    except BrokenPipeError:
        return EXIT_OK
    except Exception as err:  # noqa: BLE001 - the edge: a user sees one line, the log the rest
        logging.getLogger("akson.cli").info("unexpected error", exc_info=True)
        first = (str(err).splitlines() or [""])[0]
        print(f"akson-intake: unexpected error: {type(err).__name__}: {first} (run with -v for details)",
              file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
