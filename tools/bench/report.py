"""Benchmark: the fleet report (playbooks/report.yml) against a bare ping play on a lab fleet
(default 8 hosts: half nginx, half Apache, each serving one certificate of a SoftHSM2 CA).

Both plays run --runs times, alternating; the medians, their ratio and the remote module
executions per host are reported. The report must cost at most 1.5x the ping play: one module
run per host, and the controller's own work.

    .venv/bin/python tools/bench/report.py [--hosts 8] [--runs 5] [--json]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
LAB = os.path.join(REPO, "tools", "lab", "lab.py")
LAB_NAME = "bench-report"

sys.path.insert(0, HERE)
from ansible_run import per_host, run_playbook, total_changed  # noqa: E402  pylint: disable=wrong-import-position
from fleet_run import PING_PLAY  # noqa: E402  pylint: disable=wrong-import-position
import pkcs11_issuance as issuance  # noqa: E402  pylint: disable=wrong-import-position

SITE = ("{{ [{'name': 'www', 'certificate': 'web', 'server_names': [inventory_hostname], 'listen_address': ansible_host}] "
        "if '%s' in inventory_hostname else [] }}")


def write_vars(directory, ca_path):
    variables = {
        "certfleet_issuers": {"bench-hsm": {"provider": "pkcs11", "pkcs11_module": issuance.SPY, "token_label": issuance.TOKEN,
                                            "key_label": "bench-ca", "ca_certificate": open(ca_path).read()}},
        "certfleet_certificates": [{"name": "web", "issuer": "bench-hsm", "common_name": "{{ inventory_hostname }}"}],
        "certfleet_nginx_sites": SITE % "nginx", "certfleet_apache_sites": SITE % "apache",
        "certfleet_tls_trust_anchor": "/etc/certfleet/certs/web/current/chain.pem",
        "certfleet_report_dir": os.path.join(directory, "report"),
    }
    path = os.path.join(directory, "vars.json")
    with open(path, "w") as handle:
        json.dump(variables, handle)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=8)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()
    os.environ.update(ANSIBLE_FORKS=str(min(args.hosts, 32)), ANSIBLE_PIPELINING="1")
    with tempfile.TemporaryDirectory(prefix="certfleet-report-bench-") as directory:
        inventory = os.path.join(directory, "inventory.yml")
        hosts = ["--host=%s-%d:%s" % (kind, index, kind) for index in range(1, args.hosts + 1)
                 for kind in (("nginx",) if index % 2 else ("apache",))]
        subprocess.run(["python3", LAB, "up", "--name", LAB_NAME, "--inventory", inventory] + hosts,
                       check=True, stdout=subprocess.DEVNULL)
        try:
            token = issuance.SpiedToken(os.path.join(directory, "hsm"))
            ca_path = issuance.make_ca(token, "bench-ca", dict(key_type="ec", curve="secp256r1"))
            extra = ["-e", "@" + write_vars(directory, ca_path)]
            env = dict(token.env, ANSIBLE_COLLECTIONS_PATH=os.environ.get("ANSIBLE_COLLECTIONS_PATH", ""))
            run_playbook(env, inventory, os.path.join(REPO, "playbooks", "site.yml"), *extra)
            ping_play = os.path.join(directory, "ping.yml")
            with open(ping_play, "w") as handle:
                handle.write(PING_PLAY)
            pings, reports = [], []
            for _run in range(args.runs):
                pings.append(run_playbook(env, inventory, ping_play))
                reports.append(run_playbook(env, inventory, os.path.join(REPO, "playbooks", "report.yml"), *extra))
                assert total_changed(reports[-1][1]) == 0, reports[-1][1]
            with open(os.path.join(directory, "report", "certfleet-report.json")) as handle:
                report = json.load(handle)
        finally:
            subprocess.run(["python3", LAB, "down", "--name", LAB_NAME], check=True, stdout=subprocess.DEVNULL)

    def median(runs):
        return sorted(runs, key=lambda run: run[0])[len(runs) // 2]
    figures = dict(hosts=args.hosts, runs=args.runs, ping_seconds=round(median(pings)[0], 2),
                   report_seconds=round(median(reports)[0], 2),
                   ratio=round(median(reports)[0] / median(pings)[0], 2),
                   report_remote_modules_per_host=per_host(median(reports)[2]),
                   ping_remote_modules_per_host=per_host(median(pings)[2]),
                   certificates=report["summary"]["certificates"], sites=report["summary"]["sites"],
                   attention=report["summary"]["attention"])
    if args.json:
        print(json.dumps(figures))
        return 0
    print("%(hosts)d hosts, medians of %(runs)d runs: ping play %(ping_seconds).2f s, report %(report_seconds).2f s, "
          "ratio %(ratio).2f" % figures)
    print("remote modules per host: ping %(ping_remote_modules_per_host)s, report %(report_remote_modules_per_host)s; "
          "report covered %(certificates)d certificates, %(sites)d sites, %(attention)d attention items" % figures)
    return 0 if figures["ratio"] <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
