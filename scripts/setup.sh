#!/usr/bin/env bash
# One-time set-up of a Debian machine (as root) for the demo and the tests:
# Debian packages from bindep.txt, a virtualenv in .venv with requirements-dev.txt, the TLS
# scanner in its own virtualenv (.venv-scanner), and a collections tree in .build so that
# `certfleet.pki` resolves to this checkout.
# Re-running is cheap: each step is skipped when its inputs have not changed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
stamp_dir=.venv/.certfleet-stamps

debian_packages() {
    awk '!/^#/ && /platform:dpkg/ {print $1}' bindep.txt
}

install_debian_packages() {
    local missing
    missing=$(debian_packages | while read -r pkg; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || echo "$pkg"
    done)
    [ -z "$missing" ] && return
    echo "setup: installing Debian packages: $missing"
    # Another package installation (unattended-upgrades on a fresh machine) holds dpkg's lock:
    # wait for it, saying so, instead of failing at once.
    local wait=(-o DPkg::Lock::Timeout=600 -o Acquire::Lock::Timeout=600)
    if fuser /var/lib/dpkg/lock-frontend /var/lib/apt/lists/lock >/dev/null 2>&1; then
        echo "setup: another package installation holds the dpkg/apt lock; waiting for it (at most 10 minutes)"
    fi
    apt-get "${wait[@]}" update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get "${wait[@]}" install -y -qq --no-install-recommends $missing >/dev/null
}

install_python_packages() {
    local want
    want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
    if [ -f "$stamp_dir/pip" ] && [ "$(cat "$stamp_dir/pip")" = "$want" ]; then
        return
    fi
    echo "setup: installing Python packages into .venv"
    [ -x .venv/bin/python ] || python3 -m venv .venv
    # This machine's pip config names local mirrors that may be absent: drop those warnings.
    .venv/bin/pip install -q --upgrade pip 2> >(grep -v '^WARNING: Location' >&2)
    .venv/bin/pip install -q -r requirements-dev.txt 2> >(grep -v '^WARNING: Location' >&2)
    mkdir -p "$stamp_dir" && echo "$want" > "$stamp_dir/pip"
}

install_scanner() {
    local want
    want=$(sha256sum < requirements-scanner.txt | cut -d' ' -f1)
    if [ -f "$stamp_dir/scanner" ] && [ "$(cat "$stamp_dir/scanner")" = "$want" ]; then
        return
    fi
    echo "setup: installing the TLS scanner into .venv-scanner"
    [ -x .venv-scanner/bin/python ] || python3 -m venv .venv-scanner
    .venv-scanner/bin/pip install -q -r requirements-scanner.txt 2> >(grep -v '^WARNING: Location' >&2)
    mkdir -p "$stamp_dir" && echo "$want" > "$stamp_dir/scanner"
}

link_collection() {
    mkdir -p .build/collections/ansible_collections/certfleet
    ln -sfn "$repo" .build/collections/ansible_collections/certfleet/pki
}

[ "$(id -u)" = 0 ] || { echo "setup: run as root (apt and the namespace lab need it)" >&2; exit 1; }
install_debian_packages
install_python_packages
install_scanner
link_collection
