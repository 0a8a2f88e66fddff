#!/usr/bin/env bash
# The main job: a lab fleet (2 nginx + 2 apache hosts), a CA on a SoftHSM2 token, and
# certificates issued, served and checked with curl.
#
#   scripts/demo.sh [up]     the fleet, converged: made if it is not running, reused if it is
#                            (a second run changes nothing and issues nothing)
#   scripts/demo.sh rebuild  a fresh lab, the same CA (everything is issued again)
#   scripts/demo.sh down     tear this checkout's demo down
#   scripts/demo.sh name     print this checkout's lab name
#
# Each checkout has its own lab (its name derives from the checkout's path) and its own
# .build/demo: demos of two clones on one machine never touch each other.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "$0")/env.sh"
cd "$repo"
demo_dir="$repo/.build/demo"
lab_name="demo-$(printf '%s' "$repo" | sha256sum | cut -c1-10)"
lab=(python3 tools/lab/lab.py)
action=${1:-up}
[ $# -gt 0 ] && shift

# The lab is running when it has a state and every host still answers on its address.
lab_running() {
    "${lab[@]}" status --name "$lab_name" 2>/dev/null |
        python3 -c 'import json, sys; hosts = json.load(sys.stdin)["hosts"]; sys.exit(0 if hosts and all(h["running"] for h in hosts) else 1)'
}

# The mutual-TLS site of the first host, with the demo's client certificate and without.
print_mtls_example() {
    local host address
    read -r host address < <(python3 -c 'import json, sys
hosts = {}
for group in json.load(open(sys.argv[1]))["all"]["children"].values():
    hosts.update(group["hosts"])
name = sorted(hosts)[0]
print(name, hosts[name]["ansible_host"])' "$demo_dir/inventory.yml")
    local base="curl --cacert $demo_dir/root.pem --resolve $host:8443:$address https://$host:8443/"
    echo "demo: mutual TLS, accepted:  ${base/curl/curl --cert $demo_dir/client.pem --key $demo_dir/client-key.pem}"
    echo "demo: mutual TLS, refused (no client certificate):  $base"
}

bring_up() {
    mkdir -p "$demo_dir" && chmod 0700 "$demo_dir"
    if [ "$action" = up ] && [ -s "$demo_dir/inventory.yml" ] && lab_running; then
        echo "demo: lab $lab_name is running; converging it (scripts/demo.sh rebuild makes a fresh one)"
    else
        # Host names inside a demo domain, as production names are: nginx-1.demo.internal.
        "${lab[@]}" up --name "$lab_name" --nginx "${DEMO_NGINX:-2}" --apache "${DEMO_APACHE:-2}" \
            --domain demo.internal --inventory "$demo_dir/inventory.yml"
    fi

    # The token PIN never appears on a command line of ours or in the playbook: it is made
    # once, kept 0600, and handed over the way AWX credentials do it (environment).
    [ -s "$demo_dir/pin" ] || (umask 077 && openssl rand -hex 12 > "$demo_dir/pin")
    CERTFLEET_PKCS11_PIN=$(cat "$demo_dir/pin")
    export CERTFLEET_PKCS11_PIN

    CERTFLEET_DEMO_DIR=$demo_dir ansible-playbook -i "$demo_dir/inventory.yml" playbooks/demo.yml "$@"
    echo
    cat "$demo_dir/summary.txt"  # written by this run's last task
    echo "demo: lab $lab_name is up; root CA at $demo_dir/root.pem; inventory at $demo_dir/inventory.yml"
    echo "demo: fleet report at $demo_dir/report/certfleet-report.html (ansible-playbook playbooks/report.yml makes it for any inventory)"
    print_mtls_example
    echo "demo: run it again with: make demo (changes nothing); tear it down with: make demo-down"
}

case "$action" in
    up | rebuild) bring_up "$@" ;;
    down) "${lab[@]}" down --name "$lab_name" ;;
    name) echo "$lab_name" ;;
    *) echo "usage: scripts/demo.sh [up|rebuild|down|name]" >&2; exit 2 ;;
esac
