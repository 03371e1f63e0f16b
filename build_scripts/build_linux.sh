#!/bin/sh
# Builds the terminal as one folder (build_scripts/kiosk.spec) and smoke-tests what was built:
#   1. DIST/kiosk/kiosk --smoke under a display prints "ready in N s";
#   2. the bundle renders the home screen in English and Arabic (kiosk shots), not blank;
#   3. DIST/kiosk/kiosk status --json answers, and kiosk-content verifies a pack it signed.
# Usage: build_scripts/build_linux.sh [--dist DIR] [--work DIR] [--no-build]
#   VENV (default .venv) is the environment with the kiosk and PyInstaller installed
#   (make setup). --no-build only checks an existing bundle. Exit 0 only if every check passed.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
VENV=${VENV:-$here/.venv}
case $VENV in /*) ;; *) VENV=$here/$VENV ;; esac
dist=$here/dist
work=$here/build/pyinstaller
build=1
while [ $# -gt 0 ]; do
    case $1 in
        --dist) dist=$2; shift 2 ;;
        --work) work=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "build_linux.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ -x "$VENV/bin/pyinstaller" ] || {
    echo "build_linux.sh: no PyInstaller in $VENV (run make setup first)" >&2; exit 1; }
display="$here/scripts/with-display.sh"
bundle=$dist/kiosk

if [ $build = 1 ]; then
    echo "building $bundle"
    # The spec imports Kivy's window provider to list its modules: give it a display too.
    KIOSK_SPEC_ROOT=$here "$display" "$VENV/bin/pyinstaller" --noconfirm --log-level WARN \
        --distpath "$dist" --workpath "$work" "$here/build_scripts/kiosk.spec" >"$work.log" 2>&1 || {
        tail -30 "$work.log" >&2; echo "build_linux.sh: PyInstaller failed (log: $work.log)" >&2
        exit 1; }
fi
[ -x "$bundle/kiosk" ] || { echo "build_linux.sh: no bundle at $bundle" >&2; exit 1; }
# The bundle carries its installer: a USB stick with dist/kiosk on it is all a terminal needs.
install -m 0755 "$here/build_scripts/install-terminal.sh" "$bundle/install-terminal.sh"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT INT TERM
# A fresh data directory and Kivy home: nothing from this machine's own kiosk.
export KIOSK_DATA_DIR="$scratch/data" KIVY_HOME="$scratch/kivy" KIOSK_WINDOWED=1
cd "$scratch"  # the bundle must not lean on the checkout

echo "check: kiosk --smoke"
out=$(timeout -s KILL 120 "$display" "$bundle/kiosk" --smoke 2>"$scratch/smoke.err") || {
    tail -20 "$scratch/smoke.err" >&2; echo "build_linux.sh: kiosk --smoke failed" >&2; exit 1; }
echo "$out" | grep -q '^ready in [0-9.]* s$' || {
    echo "build_linux.sh: kiosk --smoke printed '$out', not 'ready in N s'" >&2; exit 1; }
echo "  $out"

echo "check: a screenshot of the bundle is not blank"
timeout -s KILL 180 "$display" "$bundle/kiosk" shots --out "$scratch/shots" --lang en ar \
    --screens home >/dev/null 2>"$scratch/shots.err" || {
    tail -20 "$scratch/shots.err" >&2; echo "build_linux.sh: kiosk shots failed" >&2; exit 1; }
"$VENV/bin/python" "$here/build_scripts/check_screenshot.py" "$scratch/shots/en-home.png" \
    "$scratch/shots/ar-home.png" | sed 's/^/  /'

echo "check: kiosk status --json"
timeout -s KILL 60 "$bundle/kiosk" status --json >"$scratch/status.json"
"$VENV/bin/python" -c 'import json, sys; s = json.load(open(sys.argv[1])); assert s["services"] > 0, s; print("  content:", s["services"], "services,", s["tutorials"], "tutorials")' "$scratch/status.json"

echo "check: kiosk-content signs and verifies a pack of the bundled content"
content=$("$VENV/bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["content_dir"])' "$scratch/status.json")
timeout -s KILL 120 "$bundle/kiosk-content" keygen --out "$scratch/keys" >/dev/null
timeout -s KILL 120 "$bundle/kiosk-content" build "$content" --out "$scratch/pack" --key "$scratch/keys/publisher.key" >/dev/null
timeout -s KILL 120 "$bundle/kiosk-content" verify "$scratch/pack" --pubkey "$scratch/keys/publisher.pub" | sed 's/^/  /'

size=$(du -sm "$bundle" | cut -f1)
echo "bundle ready: $bundle ($size MB); run it with $bundle/kiosk"
