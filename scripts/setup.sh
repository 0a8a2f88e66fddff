#!/usr/bin/env bash
# One-time set-up of a Debian machine (as root) for the demo and the tests:
# Debian packages from bindep.txt, a virtualenv in .venv with requirements-dev.txt, the TLS
# scanner in its own virtualenv (.venv-scanner), and a collections tree in .build so that
# `certfleet.pki` resolves to this checkout.
# Re-running is cheap, in this clone or a new one: each step is skipped when its inputs have
# not changed (the Debian packages are all installed; the virtualenvs are cached by the hash
# of their requirement files).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

debian_packages() {
    awk '!/^#/ && /platform:dpkg/ {print $1}' bindep.txt
}

install_debian_packages() {
    local wanted installed missing
    # One dpkg query for all of them (a fraction of a second): unlike a stamp file, it also
    # notices a package removed since the last set-up.
    wanted=$(debian_packages | sort -u)
    # shellcheck disable=SC2086  # one package name per word; dpkg-query fails for an unknown one
    installed=$(dpkg-query -W -f='${Package} ${Status}\n' $wanted 2>/dev/null | awk '/ ok installed$/ {print $1}' | sort -u || true)
    missing=$(comm -23 <(echo "$wanted") <(echo "$installed") | xargs)
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

# The virtualenvs live in a machine-wide cache, one per hash of their requirement files (and
# the Python that built them); .venv and .venv-scanner link to theirs. A clone whose
# requirements were installed once on this machine sets up in a second; a changed
# requirement file gets a new virtualenv, and the old one is left for the clones that use it.
venv_cache=${CERTFLEET_VENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/certfleet/venvs}

# cached_virtualenv LINK KIND REQUIREMENTS...: LINK points at a complete virtualenv of KIND
# with REQUIREMENTS installed, built first when the cache has none.
cached_virtualenv() {
    local link=$1 kind=$2
    shift 2
    local want target
    want=$( (python3 --version; cat "$@") | sha256sum | cut -c1-16)
    target="$venv_cache/$kind-$want"
    mkdir -p "$venv_cache"
    (
        # Two set-ups at once (two clones) build a virtualenv once.
        flock 9
        [ -f "$target/.certfleet-complete" ] && exit 0
        echo "setup: installing Python packages ($*) into $target"
        rm -rf "$target"
        python3 -m venv "$target"
        # This machine's pip config names local mirrors that may be absent: drop those warnings.
        "$target/bin/pip" install -q --upgrade pip 2> >(grep -v '^WARNING: Location' >&2)
        "$target/bin/pip" install -q -r "$1" 2> >(grep -v '^WARNING: Location' >&2)
        touch "$target/.certfleet-complete"
    ) 9>"$target.lock"
    touch "$target"  # last used
    # Virtualenvs of this kind that no set-up used for two weeks go (about 900 MB each); a
    # clone still linking to one builds it again at its next set-up.
    find "$venv_cache" -mindepth 1 -maxdepth 1 -type d -name "$kind-*" -mtime +14 -exec rm -rf {} +
    # A directory from the set-up before the cache (or a user's) gives way to the link.
    if [ -d "$link" ] && [ ! -L "$link" ]; then
        rm -rf "$link"
    fi
    ln -sfn "$target" "$link"
}

install_python_packages() {
    cached_virtualenv .venv dev requirements-dev.txt requirements.txt
}

install_scanner() {
    cached_virtualenv .venv-scanner scanner requirements-scanner.txt
}

link_collection() {
    mkdir -p .build/collections/ansible_collections/certfleet
    ln -sfn "$repo" .build/collections/ansible_collections/certfleet/pki
}

[ "$(id -u)" = 0 ] || { echo "setup: run as root (apt and the namespace lab need it)" >&2; exit 1; }
install_debian_packages
# The two virtualenvs build side by side: on a machine without them, most of the time is
# downloads.
install_scanner &
scanner=$!
install_python_packages
wait "$scanner"
link_collection
