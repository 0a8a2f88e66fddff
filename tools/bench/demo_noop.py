"""Benchmark: playbooks/site.yml with nothing due on the demo fleet (2 nginx + 2 Apache hosts,
HTTPS and mutual-TLS sites, trust anchors and bundles, CRLs), against a bare ping play on the
same hosts. Both run --runs times, alternating; the medians, their ratio, the changed count and
the remote module executions per host (callback_plugins/remote_modules.py) are reported.

Needs the demo fleet up and converged (`make demo`); changes nothing on it.

    .venv/bin/python tools/bench/demo_noop.py [--runs 3] [--json]
"""

import argparse
import json
import os
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEMO_DIR = os.path.join(REPO, ".build", "demo")
SITE = os.path.join(REPO, "playbooks", "site.yml")
DEMO_VARS = os.path.join(REPO, "playbooks", "vars", "demo.yml")

sys.path.insert(0, HERE)
from ansible_run import per_host, run_playbook, total_changed  # noqa: E402  pylint: disable=wrong-import-position
from fleet_run import PING_PLAY  # noqa: E402  pylint: disable=wrong-import-position

HOSTS = "nginx:apache"  # the demo's web servers; the controller's CA play is not part of a no-op


def demo_env():
    inventory = os.path.join(DEMO_DIR, "inventory.yml")
    if not os.path.exists(inventory):
        sys.exit("no demo fleet: run `make demo` first")
    with open(os.path.join(DEMO_DIR, "pin")) as handle:
        pin = handle.read().strip()
    env = dict(os.environ, CERTFLEET_PKCS11_PIN=pin, CERTFLEET_DEMO_DIR=DEMO_DIR)
    return env, inventory


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    options = parser.parse_args()
    env, inventory = demo_env()
    pings, noops = [], []
    with tempfile.TemporaryDirectory() as directory:
        ping_play = os.path.join(directory, "ping.yml")
        with open(ping_play, "w") as handle:
            handle.write(PING_PLAY.replace("hosts: all", "hosts: " + HOSTS))
        for _run in range(options.runs):
            pings.append(run_playbook(env, inventory, ping_play))
            noops.append(run_playbook(env, inventory, SITE, "-e", "@" + DEMO_VARS, "-e", "certfleet_hosts=" + HOSTS))
    figures = dict(
        ping_seconds=round(statistics.median(run[0] for run in pings), 2),
        noop_seconds=round(statistics.median(run[0] for run in noops), 2),
        noop_changed=max(total_changed(run[1]) for run in noops),
        ping_remote_modules=per_host(pings[-1][2]),
        noop_remote_modules=per_host(noops[-1][2]),
        runs=options.runs,
    )
    figures["noop_ping_ratio"] = round(figures["noop_seconds"] / figures["ping_seconds"], 2)
    if options.json:
        print(json.dumps(figures))
        return
    print("demo fleet (%s), medians of %d alternating runs" % (HOSTS, options.runs))
    print("%-28s %9s %9s %18s" % ("run", "wall (s)", "changed", "remote mods/host"))
    print("%-28s %9.2f %9s %18s" % ("ping play", figures["ping_seconds"], 0, figures["ping_remote_modules"]))
    print("%-28s %9.2f %9s %18s" % ("site.yml, nothing due", figures["noop_seconds"], figures["noop_changed"],
                                    figures["noop_remote_modules"]))
    print("no-op / ping ratio: %.2f" % figures["noop_ping_ratio"])


if __name__ == "__main__":
    main()
