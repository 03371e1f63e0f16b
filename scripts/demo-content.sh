#!/bin/sh
# Demo mode's content, signed like the real thing: a demo publisher key (made once), a pack
# of the bundled content (rebuilt when the content changes), installed in the demo data dir.
# Prints the trusted-keys file for the kiosk to use.
set -e
VENV=${VENV:-.venv}
DIR=${1:-var/demo}
KEYS="$DIR/demo-keys"
mkdir -p "$DIR"
[ -f "$KEYS/publisher.key" ] || "$VENV/bin/kiosk-content" keygen --out "$KEYS" >/dev/null
stamp="$DIR/demo-pack.stamp"
if [ ! -f "$stamp" ] || [ -n "$(find assets/content -newer "$stamp" -print -quit)" ]; then
    pack="$DIR/demo-pack"
    rm -rf "$pack"
    "$VENV/bin/kiosk-content" build assets/content --out "$pack" --key "$KEYS/publisher.key" >/dev/null
    KIOSK_TRUSTED_KEYS="$KEYS/publisher.pub" "$VENV/bin/kiosk" install-pack "$pack" --data-dir "$DIR" >/dev/null
    touch "$stamp"
fi
echo "$KEYS/publisher.pub"
