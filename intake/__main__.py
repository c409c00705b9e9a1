"""``python -m intake`` runs the command line."""
import sys

from intake.cli import main

sys.exit(main())
