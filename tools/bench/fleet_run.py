"""Benchmark: the certificate role over a lab fleet (default 8 hosts x 3 certificates).

Measures, side by side in one run: a bare `ansible.builtin.ping` play, the first run (every
certificate issued by a SoftHSM2 CA through pkcs11-spy), the no-op run (nothing due), and a
full forced rotation. Reports wall times (medians), the no-op/ping ratio, tasks and remote
module executions per host, changed counts and HSM logins.

    .venv/bin/python tools/bench/fleet_run.py [--hosts 8] [--certificates 3] [--runs 3]
"""

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
LAB = os.path.join(REPO, "tools", "lab", "lab.py")
LAB_NAME = "bench"

spec = importlib.util.spec_from_file_location("pkcs11_issuance", os.path.join(HERE, "pkcs11_issuance.py"))
issuance = importlib.util.module_from_spec(spec)
spec.loader.exec_module(issuance)

PING_PLAY = """- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.ping:
"""


def write_vars(directory, ca_path, count):
    certificates = [{"name": "cert%d" % index, "issuer": "bench-hsm", "common_name": "{{ inventory_hostname }}",
                     "subject_alt_names": ["IP:{{ ansible_host }}"], "renew_before": "30d", "validity_days": 90}
                    for index in range(count)]
    variables = {"certfleet_issuers": {"bench-hsm": {
        "provider": "pkcs11", "pkcs11_module": issuance.SPY, "token_label": issuance.TOKEN, "key_label": "bench-ca",
        "ca_certificate": open(ca_path).read()}}, "certfleet_certificates": certificates}
    path = os.path.join(directory, "vars.json")
    with open(path, "w") as handle:
        json.dump(variables, handle)
    return path


def playbook(token, inventory, play, *extra):
    """(seconds, stats by host, remote module executions by host) of one ansible-playbook run."""
    env = dict(token.env, ANSIBLE_COLLECTIONS_PATH=os.environ.get("ANSIBLE_COLLECTIONS_PATH", ""))
    if os.path.exists(token.env["PKCS11SPY_OUTPUT"]):
        os.remove(token.env["PKCS11SPY_OUTPUT"])  # logins are counted per run
    started = time.monotonic()
    completed = subprocess.run(["ansible-playbook", "-i", inventory, play, *extra], env=env,
                               capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    report = json.loads(completed.stdout)
    if completed.returncode != 0:
        raise RuntimeError("%s failed: %s" % (play, json.dumps(report["stats"])))
    remote = {}
    for play_report in report["plays"]:
        for task in play_report["tasks"]:
            for host, result in task["hosts"].items():
                delegated = result.get("_ansible_delegated_vars") is not None
                ran_module = not result.get("skipped") and task["task"]["name"] and not delegated \
                    and result.get("invocation") is not None
                if ran_module:
                    remote[host] = remote.get(host, 0) + 1
    return seconds, report["stats"], remote


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=8)
    parser.add_argument("--certificates", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="certfleet-fleet-bench-") as directory:
        inventory = os.path.join(directory, "inventory.yml")
        subprocess.run(["python3", LAB, "up", "--name", LAB_NAME, "--inventory", inventory]
                       + ["--host=host-%d:plain" % index for index in range(1, args.hosts + 1)],
                       check=True, stdout=subprocess.DEVNULL)
        try:
            token = issuance.SpiedToken(os.path.join(directory, "hsm"))
            ca_path = issuance.make_ca(token, "bench-ca", dict(key_type="ec", curve="secp256r1"))
            extra = ["-e", "@" + write_vars(directory, ca_path, args.certificates)]
            site = os.path.join(REPO, "playbooks", "site.yml")
            ping_play = os.path.join(directory, "ping.yml")
            with open(ping_play, "w") as handle:
                handle.write(PING_PLAY)

            first_seconds, first_stats, first_remote = playbook(token, inventory, site, *extra)
            first_logins = token.logins()
            ping_times, noop_times = [], []
            for _run in range(args.runs):
                seconds, _stats, ping_remote = playbook(token, inventory, ping_play)
                ping_times.append(seconds)
                seconds, noop_stats, noop_remote = playbook(token, inventory, site, *extra)
                noop_times.append(seconds)
                noop_logins = token.logins()
                assert all(s["changed"] == 0 for s in noop_stats.values()), noop_stats
            names = json.dumps(["cert%d" % index for index in range(args.certificates)])
            rotate_seconds, rotate_stats, rotate_remote = playbook(
                token, inventory, site, *extra, "-e", '{"certfleet_force_renew": %s}' % names)
            rotate_logins = token.logins()
        finally:
            subprocess.run(["python3", LAB, "down", "--name", LAB_NAME], check=True)

    def per_host(values):
        return "/".join(str(v) for v in sorted(set(values.values())))
    print("%d hosts x %d certificates, medians of %d runs" % (args.hosts, args.certificates, args.runs))
    print("%-28s %9s %12s %18s %12s" % ("run", "wall (s)", "changed", "remote mods/host", "HSM logins"))
    print("%-28s %9.2f %12s %18s %12s" % ("ping play", statistics.median(ping_times), "-", per_host(ping_remote), "-"))
    print("%-28s %9.2f %12d %18s %12d" % ("first run (all issued)", first_seconds,
                                          sum(s["changed"] for s in first_stats.values()), per_host(first_remote),
                                          first_logins))
    print("%-28s %9.2f %12d %18s %12d" % ("no-op run (nothing due)", statistics.median(noop_times),
                                          sum(s["changed"] for s in noop_stats.values()), per_host(noop_remote),
                                          noop_logins))
    print("%-28s %9.2f %12d %18s %12d" % ("forced full rotation", rotate_seconds,
                                          sum(s["changed"] for s in rotate_stats.values()), per_host(rotate_remote),
                                          rotate_logins))
    print("no-op / ping ratio: %.2f" % (statistics.median(noop_times) / statistics.median(ping_times)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
