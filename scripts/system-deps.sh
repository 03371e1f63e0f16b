#!/bin/sh
# Installs the Debian packages the kiosk and its tests need, when they are missing.
# Only as root (a developer without root installs them by hand: the list is below).
set -e
# postgresql: the hub tests run against a throw-away PostgreSQL cluster too;
# chromium: the admin dashboard is tested in a real (headless) browser, and it is the
# official-service browser (tested in a real one too); libxss1: the X idle time it needs;
# nginx-light and openssl: the example TLS site in front of the hub is tested in a real nginx.
PKGS="xvfb libgl1-mesa-dri libmtdev1 espeak-ng xdotool postgresql chromium libxss1 nginx-light openssl"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "note: missing Debian packages:$missing (run 'make' as root, or: sudo apt-get install$missing)" >&2
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "note: not a Debian system; please install:$missing" >&2
    exit 0
fi
echo "installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1 || {
    apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $missing >/dev/null
}
