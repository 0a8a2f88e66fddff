#!/usr/bin/env bash
# Build context of the execution environment: this checkout built as a collection artifact,
# next to a copy of execution-environment/, then `ansible-builder create`. The image build
# itself (podman/docker) is left to the machine that has a container engine:
#   podman build -t certfleet-ee .build/ee/context
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$repo/.build/ee}
# shellcheck source=scripts/env.sh
source "$repo/scripts/env.sh"

rm -rf "$out"
mkdir -p "$out/definition/collection"
cp "$repo"/execution-environment/*.yml "$out/definition/"
ansible-galaxy collection build --output-path "$out" "$repo" >/dev/null
mv "$out"/certfleet-pki-*.tar.gz "$out/definition/collection/certfleet-pki.tar.gz"
ansible-builder create --file "$out/definition/execution-environment.yml" --context "$out/context" --output-filename Containerfile
echo "ee: build context in $out/context (podman build -t certfleet-ee $out/context)"
