"""The bundle's `kiosk` program (build_scripts/kiosk.spec): the same entry as the installed
command, kiosk.cli:main."""

import sys

from kiosk.cli import main

if __name__ == "__main__":
    sys.exit(main())
