#!/usr/bin/env bash
# The main job: a lab fleet (2 nginx + 2 apache hosts), a CA on a SoftHSM2 token, and
# certificates issued, served and checked with curl. Tear down with `make demo-down`.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "$0")/env.sh"
cd "$repo"
demo_dir="$repo/.build/demo"
mkdir -p "$demo_dir" && chmod 0700 "$demo_dir"

python3 tools/lab/lab.py up --name demo --nginx "${DEMO_NGINX:-2}" --apache "${DEMO_APACHE:-2}" \
    --inventory "$demo_dir/inventory.yml"

# The token PIN never appears on a command line of ours or in the playbook: it is made
# once, kept 0600, and handed over the way AWX credentials do it (environment).
[ -s "$demo_dir/pin" ] || (umask 077 && openssl rand -hex 12 > "$demo_dir/pin")
CERTFLEET_PKCS11_PIN=$(cat "$demo_dir/pin")
export CERTFLEET_PKCS11_PIN

CERTFLEET_DEMO_DIR=$demo_dir ansible-playbook -i "$demo_dir/inventory.yml" playbooks/demo.yml "$@"
echo "demo: fleet is up; root CA at $demo_dir/root.pem; inventory at $demo_dir/inventory.yml"
echo "demo: tear down with: make demo-down"
