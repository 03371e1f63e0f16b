#!/bin/sh
# Installs the official-service browser's managed policy (config/chromium-policy.json) where
# Chromium, Google Chrome and Microsoft Edge read it, so what the policy turns off (developer
# tools, downloads, saving to PDF, extensions, passwords, autofill, signing in to the
# browser...) cannot be turned on by anyone at the terminal. Run as root, once per terminal
# and again after the file changes. See docs/admin-guide.md, "The official-service browser".
#
#   scripts/install-browser-policy.sh            # into /etc
#   scripts/install-browser-policy.sh --root DIR # into DIR/etc (packaging, tests)
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
policy="$here/config/chromium-policy.json"
root=""
if [ "$1" = "--root" ]; then
    root="$2"
    [ -n "$root" ] || { echo "usage: $0 [--root DIR]" >&2; exit 2; }
elif [ -n "$1" ]; then
    echo "usage: $0 [--root DIR]" >&2
    exit 2
fi
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$policy" || {
    echo "$policy is not valid JSON" >&2; exit 1; }
if [ -z "$root" ] && [ "$(id -u)" != 0 ]; then
    echo "run as root (the policy folders under /etc belong to root)" >&2
    exit 1
fi
for dir in etc/chromium/policies/managed etc/opt/chrome/policies/managed \
           etc/opt/edge/policies/managed; do
    mkdir -p "$root/$dir"
    install -m 0644 "$policy" "$root/$dir/kiosk.json"
    echo "installed $root/$dir/kiosk.json"
done
