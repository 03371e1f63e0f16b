"""The bundle's programs (build_scripts/kiosk.spec): one executable, two names. Started as
`kiosk-content` (a link to it on Linux, a second executable on Windows) it is the signed-pack
tools, kiosk.content_cli:main; otherwise the kiosk, kiosk.cli:main, as the installed
commands are. One program analysed and archived once: the build is faster and the bundle
carries one copy of the code."""

import os
import sys


def main() -> int:
    name = os.path.splitext(os.path.basename(sys.argv[0]))[0].lower()
    if name == "kiosk-content":
        from kiosk.content_cli import main as content
        return content()
    from kiosk.cli import main as kiosk
    return kiosk()


if __name__ == "__main__":
    sys.exit(main())
