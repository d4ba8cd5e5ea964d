#!/usr/bin/env bash
# Installs stream-collector as a systemd service from a build on this machine: the binary, the
# static Swift backtracer, the unit, a configuration that is never overwritten once there, and the
# stream-collector system user and group — the same paths and user as the Debian package
# (scripts/package), which is the way to install on a machine without Swift. Safe to run again
# (an upgrade): every step checks what is already in place.
#
#   sudo scripts/install.sh                 build (release, static) and install; enable and (re)start the service
#   sudo scripts/install.sh --binary PATH   install this binary instead of building one
#   sudo scripts/install.sh --no-start      install and enable, but do not start or restart
#   scripts/install.sh --root DIR           stage everything under DIR (users in DIR/etc), touch nothing else
#
# A log shipper reads the files once its user is in the group:  usermod -aG stream-collector vector
set -euo pipefail
cd "$(dirname "$0")/.."

root="" binary="" start=yes
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) binary="$2"; shift 2 ;;
        --root) root="$(realpath -m "$2")"; shift 2 ;;
        --no-start) start=no; shift ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 64 ;;
    esac
done
if [ -z "$root" ] && [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: run it as root (sudo scripts/install.sh), or stage it with --root DIR" >&2
    exit 77
fi

name=stream-collector
bin="$root/usr/bin/$name"
libexec="$root/usr/libexec/$name"
etc="$root/etc/$name"
unit="$root/lib/systemd/system/$name.service"
state="$root/var/lib/$name"

if [ -z "$root" ] && dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q "install ok installed"; then
    echo "install.sh: the $name Debian package is installed here; upgrade it with a newer package (scripts/package)," >&2
    echo "or remove it first (apt-get remove $name: the recorded data and the configuration stay)" >&2
    exit 73
fi
if [ -z "$binary" ]; then
    scripts/setup
    binary="$(scripts/build-release "$name")/$name"
fi
[ -x "$binary" ] || { echo "install.sh: $binary is not an executable" >&2; exit 66; }
backtracer="$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")/libexec/swift/linux/swift-backtrace-static"
[ -x "$backtracer" ] || { echo "install.sh: no static Swift backtracer at $backtracer (crash reports need it)" >&2; exit 66; }

# The user and group (system accounts, no login, no home of their own).
users=()
if [ -n "$root" ]; then
    mkdir -p "$root/etc"
    for file in passwd group shadow gshadow; do [ -e "$root/etc/$file" ] || : > "$root/etc/$file"; done
    users=(--prefix "$root")
fi
if ! grep -q "^$name:" "$root/etc/group" 2>/dev/null && ! { [ -z "$root" ] && getent group "$name" >/dev/null; }; then
    groupadd "${users[@]}" --system "$name"
    echo "created group $name"
fi
if ! grep -q "^$name:" "$root/etc/passwd" 2>/dev/null && ! { [ -z "$root" ] && getent passwd "$name" >/dev/null; }; then
    useradd "${users[@]}" --system --gid "$name" --home-dir "/var/lib/$name" --no-create-home \
        --shell /usr/sbin/nologin --comment "stream-collector daemon" "$name"
    echo "created user $name"
fi
# The binary: copied next to its place, then renamed over it (a running service keeps its old inode).
install -d -m 0755 "$(dirname "$bin")" "$libexec"
install -m 0755 "$binary" "$bin.new"
mv -f "$bin.new" "$bin"
install -m 0755 "$backtracer" "$libexec/swift-backtrace.new"
mv -f "$libexec/swift-backtrace.new" "$libexec/swift-backtrace"

# The configuration: installed once, then left to the operator; the shipped one goes beside it.
install -d -m 0750 "$etc"
if [ -e "$etc/$name.yaml" ]; then
    install -m 0640 config/$name.yaml "$etc/$name.yaml.dist"
    echo "kept $etc/$name.yaml (the shipped defaults are in $name.yaml.dist)"
else
    install -m 0640 config/$name.yaml "$etc/$name.yaml"
    echo "installed $etc/$name.yaml"
fi
if [ -z "$root" ]; then chgrp "$name" "$etc" "$etc"/*; fi

# The unit, and the data folder (systemd's StateDirectory= makes it too; this is for runs without it).
install -d -m 0755 "$(dirname "$unit")"
install -m 0644 systemd/$name.service "$unit"
install -d -m 0750 "$state"
if [ -z "$root" ]; then chown "$name:$name" "$state"; fi

"$bin" check-config --config "$etc/$name.yaml" >/dev/null
if command -v systemd-analyze >/dev/null; then
    if [ -z "$root" ]; then
        systemd-analyze verify "$unit"
    else
        # The staged unit names /usr/bin; verify a copy that points into the stage.
        check="$(mktemp -d)"
        sed "s#/usr/bin/$name#$bin#g" "$unit" > "$check/$name.service"
        systemd-analyze verify "$check/$name.service"
        rm -rf "$check"
    fi
fi

if [ -z "$root" ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl enable "$name.service" >/dev/null
    if [ "$start" = yes ]; then
        systemctl restart "$name.service"
        echo "started: systemctl status $name; journalctl -u $name -f"
    else
        echo "enabled; start it with: systemctl start $name"
    fi
else
    echo "installed under ${root:-/}; systemd is not running here, so the service was not enabled or started"
fi
