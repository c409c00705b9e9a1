"""Run the CLI and report this process's own peak RSS (VmHWM) to the file named by
``AKSON_PEAK_RSS_FILE``.

Not ``ru_maxrss``: on Linux a child's maxrss starts from its parent's RSS at fork, so a
test that built a 60 MB message would see that figure in every child. VmHWM belongs
to the address space made at exec, so it counts the intake alone.
"""
from __future__ import annotations

import os
import sys


def peak_rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main() -> int:
    from intake.cli import main as cli_main
    try:
        return cli_main(sys.argv[1:])
    finally:
        target = os.environ.get("AKSON_PEAK_RSS_FILE")
        if target:
            with open(target, "w", encoding="ascii") as out:
                out.write(str(peak_rss_kb()))


if __name__ == "__main__":
    sys.exit(main())
