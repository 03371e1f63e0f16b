"""The bundle's `kiosk-content` program (build_scripts/kiosk.spec): the signed-pack tools,
kiosk.content_cli:main."""

import sys

from kiosk.content_cli import main

if __name__ == "__main__":
    sys.exit(main())
