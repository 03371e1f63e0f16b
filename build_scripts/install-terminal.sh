#!/bin/sh
# Sets up a dedicated Debian or Ubuntu terminal from the one-folder bundle (make package):
#
#   sudo ./install-terminal.sh [--bundle DIR] [--hub URL --code CODE] [--trusted-keys FILE]
#   sudo ./install-terminal.sh --uninstall
#
# Steps, in order (--dry-run prints each one and what it would run, and changes nothing):
#   packages   the Debian packages: espeak-ng (read aloud), chromium (the official-service
#              browser), the kiosk's display: a bare X server (xserver-xorg, xinit) as its
#              only compositor, no desktop or window manager; and what the session uses
#   bundle     the bundle in /opt/kiosk/bin, its deployment files in /opt/kiosk/config
#   user       a `kiosk` user without a password (it cannot log in anywhere but tty1)
#   autologin  tty1 logs `kiosk` in by itself and starts the bare X session running the kiosk
#              under its supervisor; no other consoles, no VT switching, no SysRq, no
#              Ctrl+Alt+Del reboot
#   unit       the systemd user unit kiosk.service (for a display manager's session instead)
#   policy     the browser's managed policies (Chromium, Chrome, Edge)
#   settings   the kiosk's settings (trusted publisher keys)
#   enrol      enrolment with a hub (--hub URL --code CODE), as the kiosk user
#
# --uninstall undoes every step: files removed (any file the install replaced is put back),
# the user and its data removed, the packages the install added removed again.
# --root DIR installs into DIR instead of / (packages skipped; for images and tests).
# Needs root, except with --dry-run or --root. Exit 0 only when every step succeeded.
set -eu

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
fail() { echo "install-terminal: $*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
bundle=""
hub="" code="" keys=""
root=""
dry=0 uninstall=0
while [ $# -gt 0 ]; do
    case $1 in
        --bundle) [ $# -ge 2 ] || fail "--bundle needs a folder"; bundle=$2; shift 2 ;;
        --hub) [ $# -ge 2 ] || fail "--hub needs a URL"; hub=$2; shift 2 ;;
        --code) [ $# -ge 2 ] || fail "--code needs the enrolment code"; code=$2; shift 2 ;;
        --trusted-keys) [ $# -ge 2 ] || fail "--trusted-keys needs a file"; keys=$2; shift 2 ;;
        --root) [ $# -ge 2 ] || fail "--root needs a folder"; root=$2; shift 2 ;;
        --dry-run) dry=1; shift ;;
        --uninstall) uninstall=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) fail "unknown argument '$1' (see --help)" ;;
    esac
done
if [ -n "$hub" ] && [ -z "$code" ]; then fail "--hub needs --code CODE (kiosk-hub enrol-code)"; fi
if [ -n "$code" ] && [ -z "$hub" ]; then fail "--code needs --hub URL"; fi
case $hub in ""|http://*|https://*) ;; *) fail "--hub '$hub' is not an http:// or https:// URL" ;; esac
if [ -n "$root" ]; then
    [ $uninstall = 1 ] || mkdir -p "$root" 2>/dev/null || [ $dry = 1 ] || fail "cannot create --root $root"
    root=$(cd "$root" 2>/dev/null && pwd || echo "$root")
fi
[ $dry = 1 ] || [ -n "$root" ] || [ "$(id -u)" = 0 ] || fail "run as root (sudo), or try --dry-run"

# The bundle: given, else the folder this script is in (the bundle carries it), else the
# checkout's dist/kiosk.
if [ -z "$bundle" ]; then
    if [ -x "$here/kiosk" ]; then bundle=$here; else bundle=$here/../dist/kiosk; fi
fi
if [ $uninstall = 0 ]; then
    [ -x "$bundle/kiosk" ] || fail "no bundle at $bundle (build it with make package, or give --bundle DIR)"
    bundle=$(cd "$bundle" && pwd)
    deploy=$bundle/_internal/kiosk/config
    [ -f "$deploy/session/xinitrc" ] || fail "$bundle has no deployment files ($deploy/session/xinitrc)"
    if [ -n "$keys" ]; then [ -f "$keys" ] || fail "--trusted-keys $keys: no such file"; fi
fi

OPT=$root/opt/kiosk
STATE=$root/var/lib/kiosk-terminal     # what the install did, for --uninstall
HOME_DIR=$root/home/kiosk
DATA=$HOME_DIR/.local/share/kiosk
PACKAGES="espeak-ng chromium xserver-xorg xinit x11-xserver-utils x11-xkb-utils libgl1-mesa-dri libmtdev1 libxss1 unclutter xterm"
step_n=0

step() {  # step NAME TEXT
    step_n=$((step_n + 1))
    echo "step $step_n, $1: $2"
}
run() {  # a command, or only its words in a dry run
    if [ $dry = 1 ]; then echo "    would run: $*"; else "$@"; fi
}
note() { echo "    $*"; }

# Puts SRC at DEST (mode MODE), keeping a file that was there as DEST.kiosk-orig, and
# records DEST so --uninstall removes it and puts the original back.
place() {  # place SRC DEST MODE
    if [ $dry = 1 ]; then echo "    would install: $2"; return; fi
    make_dir "$(dirname "$2")"
    if [ -e "$2" ] && [ ! -e "$2.kiosk-orig" ] && ! grep -qxF "$2" "$STATE/files" 2>/dev/null; then
        cp -p "$2" "$2.kiosk-orig"
    fi
    install -m "$3" "$1" "$2"
    remember "$2"
}
# mkdir -p that records the top-most folder it had to create, for --uninstall.
make_dir() {
    top="" d=$1
    while [ ! -d "$d" ]; do top=$d; d=$(dirname "$d"); done
    mkdir -p "$1"
    if [ -n "$top" ]; then
        mkdir -p "$STATE"
        grep -qxF "$top" "$STATE/dirs" 2>/dev/null || echo "$top" >>"$STATE/dirs"
    fi
}
remember() {
    [ $dry = 1 ] && return
    mkdir -p "$STATE"
    grep -qxF "$1" "$STATE/files" 2>/dev/null || echo "$1" >>"$STATE/files"
}

# The session's files: each to the place the lockdown work (docs/admin-guide.md) names.
session_files() {
    echo "getty-autologin.conf $root/etc/systemd/system/getty@tty1.service.d/autologin.conf"
    echo "50-kiosk.conf $root/etc/X11/xorg.conf.d/50-kiosk.conf"
    echo "logind-kiosk.conf $root/etc/systemd/logind.conf.d/kiosk.conf"
    echo "sysctl-kiosk.conf $root/etc/sysctl.d/90-kiosk.conf"
}
POLICY_DIRS="etc/chromium/policies/managed etc/opt/chrome/policies/managed etc/opt/edge/policies/managed"
MASK=$root/etc/systemd/system/ctrl-alt-del.target

user_exists() {
    if [ -n "$root" ]; then grep -q '^kiosk:' "$root/etc/passwd" 2>/dev/null; else id kiosk >/dev/null 2>&1; fi
}
uid_gid() {  # the kiosk user's numeric uid:gid, inside --root too
    if [ -n "$root" ]; then awk -F: '$1 == "kiosk" {print $3 ":" $4}' "$root/etc/passwd"
    else echo "$(id -u kiosk):$(id -g kiosk)"; fi
}

install_all() {
    [ $dry = 1 ] && echo "dry run: nothing is changed"
    step packages "Debian packages: espeak-ng, chromium, a bare X server as the kiosk compositor (xserver-xorg, xinit), the session's tools"
    if [ -n "$root" ]; then
        note "skipped with --root (install them in the image: apt-get install $PACKAGES)"
    elif [ $dry = 1 ]; then
        echo "    would run: apt-get install -y --no-install-recommends $PACKAGES"
    else
        missing=""
        for p in $PACKAGES; do
            dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
        done
        mkdir -p "$STATE"
        if [ -n "$missing" ]; then
            export DEBIAN_FRONTEND=noninteractive
            apt-get install -y -q --no-install-recommends $missing || {
                apt-get update -q && apt-get install -y -q --no-install-recommends $missing; } ||
                fail "apt-get could not install:$missing"
            for p in $missing; do echo "$p" >>"$STATE/packages"; done
        fi
        note "installed:${missing:- nothing (all there already)}"
    fi

    step bundle "the kiosk in /opt/kiosk/bin (from $bundle), its deployment files in /opt/kiosk/config"
    if [ $dry = 1 ]; then echo "    would run: mkdir -p $OPT"; else make_dir "$OPT"; fi
    run rm -rf "$OPT/bin" "$OPT/config"
    run cp -a "$bundle" "$OPT/bin"
    run cp -a "$deploy" "$OPT/config"
    run chmod 0755 "$OPT/config/kiosk-supervise" "$OPT/config/session/xinitrc"
    remember "$OPT"

    step user "a kiosk user without a password, owning only the kiosk's data"
    if user_exists; then
        note "the kiosk user exists already: kept"
    elif [ -n "$root" ]; then
        run mkdir -p "$root/etc"
        for f in passwd group shadow gshadow; do run touch "$root/etc/$f"; done
        run useradd --prefix "$root" --create-home --home-dir /home/kiosk --shell /bin/bash \
            --comment "Connecting London kiosk" kiosk
        [ $dry = 1 ] || echo user >>"$STATE/created"
    else
        run useradd --create-home --home-dir /home/kiosk --shell /bin/bash \
            --comment "Connecting London kiosk" kiosk
        [ $dry = 1 ] || echo user >>"$STATE/created"
    fi
    # No password at all: it cannot log in with one anywhere (only tty1's automatic login).
    if [ -n "$root" ]; then run usermod --prefix "$root" --lock kiosk
    else run passwd --lock kiosk; fi
    run mkdir -p "$DATA"

    step autologin "tty1 logs kiosk in and starts the bare X session (no window manager) with the kiosk under kiosk-supervise; no consoles, VT switching, SysRq or Ctrl+Alt+Del"
    session_files | while read -r name dest; do
        place "$deploy/session/$name" "$dest" 0644
    done
    place "$deploy/session/bash_profile" "$HOME_DIR/.bash_profile" 0644
    if [ $dry = 1 ]; then echo "    would run: systemctl mask ctrl-alt-del.target"
    else make_dir "$(dirname "$MASK")"; ln -sfn /dev/null "$MASK"; remember "$MASK"; fi

    step unit "the systemd user unit kiosk.service (used instead of the bare session under a display manager)"
    place "$deploy/kiosk.service" "$HOME_DIR/.config/systemd/user/kiosk.service" 0644

    step policy "the official-service browser's managed policies (Chromium, Chrome, Edge)"
    for dir in $POLICY_DIRS; do
        place "$deploy/chromium-policy.json" "$root/$dir/kiosk.json" 0644
    done

    step settings "the kiosk's settings in $DATA/kiosk.toml${keys:+, trusted publisher keys in /etc/kiosk}"
    if [ $dry = 1 ]; then
        echo "    would install: $DATA/kiosk.toml"
        [ -z "$keys" ] || echo "    would install: $root/etc/kiosk/trusted-keys.pub"
    else
        settings=$(mktemp)
        if [ -n "$keys" ]; then
            place "$keys" "$root/etc/kiosk/trusted-keys.pub" 0644
            sed 's|^\[kiosk\]$|[kiosk]\n# Set by install-terminal.sh: the content publishers this terminal trusts.\ntrusted_keys = "/etc/kiosk/trusted-keys.pub"|' \
                "$deploy/kiosk.toml" >"$settings"
        else
            cp "$deploy/kiosk.toml" "$settings"
        fi
        place "$settings" "$DATA/kiosk.toml" 0644
        rm -f "$settings"
    fi

    # The kiosk user owns its home and data (the enrolment below writes there as that user).
    if [ $dry = 0 ] && user_exists; then
        chown -R "$(uid_gid)" "$HOME_DIR"
        chmod 0700 "$HOME_DIR"
    fi

    step enrol "enrolment with a hub${hub:+ ($hub)}"
    if [ -z "$hub" ]; then
        note "no --hub given: the terminal runs the bundled demo content until enrolled (kiosk enrol CODE --hub URL)"
    elif [ -n "$root" ]; then
        run "$OPT/bin/kiosk" enrol "$code" --hub "$hub" --data-dir "$DATA"
        [ $dry = 1 ] || chown -R "$(uid_gid)" "$DATA"  # written as root here: the user's
    else
        run runuser -u kiosk -- "$OPT/bin/kiosk" enrol "$code" --hub "$hub" --data-dir "/home/kiosk/.local/share/kiosk"
    fi
    if [ $dry = 1 ]; then
        echo "dry run done: $step_n steps"
    else
        echo "installed: reboot, and the terminal starts the kiosk on tty1"
        [ -n "$root" ] || echo "(check: systemctl daemon-reload was run; $OPT/bin/kiosk status --data-dir $DATA/.. as kiosk)"
    fi
    if [ $dry = 0 ] && [ -z "$root" ]; then
        systemctl daemon-reload 2>/dev/null || true
        sysctl -q -p /etc/sysctl.d/90-kiosk.conf 2>/dev/null || true
    fi
}

uninstall_all() {
    [ $dry = 1 ] && echo "dry run: nothing is changed"
    [ -f "$STATE/files" ] || [ $dry = 1 ] || fail "nothing to uninstall: $STATE/files is missing"
    step files "remove every file the install put in place, and put back any it replaced"
    if [ -f "$STATE/files" ]; then
        sort -r "$STATE/files" | while read -r f; do
            run rm -rf "$f"
            if [ -e "$f.kiosk-orig" ]; then run mv "$f.kiosk-orig" "$f"; fi
        done
    fi
    if [ -f "$STATE/dirs" ]; then  # folders the install made, if nothing else is in them now
        sort -r "$STATE/dirs" | while read -r d; do
            if [ $dry = 1 ]; then echo "    would remove empty folders under $d"
            elif [ -d "$d" ]; then find "$d" -depth -type d -empty -delete; fi
        done
    fi
    step user "remove the kiosk user and its data (only if the install created it)"
    if grep -qx user "$STATE/created" 2>/dev/null; then
        if [ -n "$root" ]; then run userdel --prefix "$root" kiosk; else run userdel kiosk; fi
        run rm -rf "$HOME_DIR"
    else
        note "the kiosk user was there before: kept"
    fi
    step packages "remove the Debian packages the install added"
    if [ -s "$STATE/packages" ]; then
        run apt-get remove -y -q $(cat "$STATE/packages")
    else
        note "none were added"
    fi
    run rm -rf "$STATE"
    [ -n "$root" ] || [ $dry = 1 ] || systemctl daemon-reload 2>/dev/null || true
    echo "uninstalled"
}

if [ $uninstall = 1 ]; then uninstall_all; else install_all; fi
