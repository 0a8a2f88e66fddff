"""Benchmark: how the certificate role's wall time grows with hosts and with certificates per
host. Runs tools/bench/fleet_run.py (one no-op run each, forks one per host up to 32) for every
combination and prints a Markdown table for docs/performance.md.

    .venv/bin/python tools/bench/scale_curve.py [--hosts 8 32 64] [--certificates 1 3 9]
"""

import argparse
import json
import os
import subprocess
import sys

FLEET_RUN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fleet_run.py")


def measure(hosts, certificates):
    completed = subprocess.run([sys.executable, FLEET_RUN, "--hosts", str(hosts), "--certificates", str(certificates),
                                "--runs", "1", "--json"], capture_output=True, text=True, check=True)
    figures = json.loads(completed.stdout.strip().splitlines()[-1])
    return {entry["run"]: entry for entry in figures["rows"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, nargs="+", default=[8, 32, 64])
    parser.add_argument("--certificates", type=int, nargs="+", default=[1, 3, 9])
    args = parser.parse_args()
    print("| hosts | certificates / host | certificates | ping (s) | first run (s) | forced rotation (s) | no-op (s) "
          "| remote modules / host (issue) | HSM logins (issue) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for hosts in args.hosts:
        for certificates in args.certificates:
            rows = measure(hosts, certificates)
            first, rotation = rows["first run (all issued)"], rows["forced full rotation"]
            print("| %d | %d | %d | %.2f | %.2f | %.2f | %.2f | %s | %s |" % (
                hosts, certificates, hosts * certificates, rows["ping play"]["seconds"], first["seconds"],
                rotation["seconds"], rows["no-op run (nothing due)"]["seconds"], rotation["remote_modules"],
                rotation["hsm_logins"]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
