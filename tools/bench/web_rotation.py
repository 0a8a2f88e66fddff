"""Benchmark: the demo fleet with its nginx and Apache sites (web_tls, safe_reload). Measures
the first run, the no-op run (nothing due: one trust check, one status check, one TLS server
check per server, no reload), plays of 1 to 3 ping rounds for scale (the floor under a no-op
of that many remote module rounds), and a forced rolling rotation under HTTPS load
(tools/load/https_load.py against every host): wall time, failed requests, and whether each
client saw the certificate switch.

    .venv/bin/python tools/bench/web_rotation.py [--nginx 2] [--apache 2] [--runs 3] [--batch 1]
"""

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ansible_run import per_host, run_playbook, total_changed  # noqa: E402  pylint: disable=wrong-import-position

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB = os.path.join(REPO, "tools", "lab", "lab.py")
LOAD = os.path.join(REPO, "tools", "load", "https_load.py")
LAB_NAME = "bench-web"
PING_ROUNDS = (1, 2, 3)


def ping_play(rounds):
    return "- hosts: all\n  gather_facts: false\n  tasks:\n" + "    - ansible.builtin.ping:\n" * rounds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nginx", type=int, default=2)
    parser.add_argument("--apache", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch", default="1", help="rotate.yml batch size (count or percentage)")
    parser.add_argument("--no-pipelining", dest="pipelining", action="store_false",
                        help="measure without SSH pipelining (on by default, as docs/performance.md recommends)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="certfleet-web-bench-") as directory:
        inventory = os.path.join(directory, "inventory.yml")
        lab = json.loads(subprocess.run(
            ["python3", LAB, "up", "--name", LAB_NAME, "--nginx", str(args.nginx), "--apache", str(args.apache),
             "--inventory", inventory, "--json"], check=True, capture_output=True, text=True).stdout)
        env = dict(os.environ, CERTFLEET_DEMO_DIR=os.path.join(directory, "ca"),
                   CERTFLEET_PKCS11_PIN=secrets.token_hex(8),  # throwaway token of this run
                   ANSIBLE_PIPELINING="1" if args.pipelining else "0")
        demo = os.path.join(REPO, "playbooks", "demo.yml")
        demo_vars = "@" + os.path.join(REPO, "playbooks", "vars", "demo.yml")
        pings = {}
        for rounds in PING_ROUNDS:
            pings[rounds] = os.path.join(directory, "ping-%d.yml" % rounds)
            with open(pings[rounds], "w") as handle:
                handle.write(ping_play(rounds))
        try:
            first_seconds, first_stats, _remote = run_playbook(env, inventory, demo)
            ping_times, noop_times = dict((rounds, []) for rounds in PING_ROUNDS), []
            for _run in range(args.runs):
                for rounds in PING_ROUNDS:
                    ping_times[rounds].append(run_playbook(env, inventory, pings[rounds])[0])
                seconds, noop_stats, noop_remote = run_playbook(
                    env, inventory, os.path.join(REPO, "playbooks", "site.yml"), "-e", demo_vars)
                assert total_changed(noop_stats) == 0, "the no-op run changed %s" % noop_stats
                noop_times.append(seconds)
            stop_file = os.path.join(directory, "stop")
            loads = [subprocess.Popen(["python3", LOAD, "--address", host["address"], "--server-name", host["name"],
                                       "--cafile", os.path.join(directory, "ca", "root.pem"), "--stop-file", stop_file],
                                      stdout=subprocess.PIPE, text=True) for host in lab["hosts"]]
            rotate_seconds, rotate_stats, _remote = run_playbook(
                env, inventory, os.path.join(REPO, "playbooks", "rotate.yml"), "-e", demo_vars,
                "-e", "certfleet_force_renew=web", "-e", "certfleet_rotate_batch=%s" % args.batch)
            open(stop_file, "w").close()
            summaries = [json.loads(load.communicate(timeout=60)[0]) for load in loads]
        finally:
            subprocess.run(["python3", LAB, "down", "--name", LAB_NAME], check=True, stdout=subprocess.DEVNULL)

    hosts = args.nginx + args.apache
    print("%d nginx + %d apache hosts, 2 sites each (443, mTLS 8443); pipelining %s; medians of %d runs" % (
        args.nginx, args.apache, "on" if args.pipelining else "off", args.runs))
    print("%-44s %9s %9s" % ("run", "wall (s)", "changed"))
    for rounds in PING_ROUNDS:
        print("%-44s %9.2f %9s" % ("ping play, %d round%s" % (rounds, "s" if rounds > 1 else ""),
                                   statistics.median(ping_times[rounds]), "-"))
    print("%-44s %9.2f %9d" % ("first run (CA, trust, issue, sites, reload)", first_seconds, total_changed(first_stats)))
    print("%-44s %9.2f %9d" % ("no-op run (site.yml, nothing due)", statistics.median(noop_times), 0))
    rotation_label = "forced rotation, batch %s, under load" % args.batch
    print("%-44s %9.2f %9d" % (rotation_label, rotate_seconds, total_changed(rotate_stats)))
    print("remote modules per host in the no-op run: %s" % per_host(noop_remote))
    print("HTTPS load during the rotation: %d requests, %d failed; %d/%d clients saw the certificate switch" % (
        sum(s["requests"] for s in summaries), sum(s["failures"] for s in summaries),
        sum(1 for s in summaries if len(s["serials"]) == 2), hosts))
    print("no-op / ping ratio: %.2f; ping plays of 2 and 3 rounds / ping: %s" % (
        statistics.median(noop_times) / statistics.median(ping_times[1]),
        ", ".join("%.2f" % (statistics.median(ping_times[rounds]) / statistics.median(ping_times[1]))
                  for rounds in PING_ROUNDS[1:])))
    return 0 if all(s["failures"] == 0 for s in summaries) else 1


if __name__ == "__main__":
    sys.exit(main())
