"""Benchmark: the certificate role over a lab fleet (default 8 hosts x 3 certificates).

Measures, side by side in one run: a bare `ansible.builtin.ping` play, the first run (every
certificate issued by a SoftHSM2 CA through pkcs11-spy), the no-op run (nothing due), and a
full forced rotation. Reports wall times (medians), the no-op/ping ratio, remote module
executions per host, changed counts and HSM logins. With --plain, first measures on the same
hosts a plain playbook written the way community.crypto's own-CA guide shows
(tools/bench/plain/ownca.yml): the yardstick for issuance and rotation.

    .venv/bin/python tools/bench/fleet_run.py [--hosts 8] [--certificates 3] [--runs 3] [--plain] [--json]
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
LAB = os.path.join(REPO, "tools", "lab", "lab.py")
LAB_NAME = "bench"
PLAIN_PLAY = os.path.join(HERE, "plain", "ownca.yml")

sys.path.insert(0, HERE)
from ansible_run import per_host, run_playbook, total_changed  # noqa: E402  pylint: disable=wrong-import-position
import pkcs11_issuance as issuance  # noqa: E402  pylint: disable=wrong-import-position

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
    if os.path.exists(token.env["PKCS11SPY_OUTPUT"]):
        os.remove(token.env["PKCS11SPY_OUTPUT"])  # logins are counted per run
    env = dict(token.env, ANSIBLE_COLLECTIONS_PATH=os.environ.get("ANSIBLE_COLLECTIONS_PATH", ""))
    return run_playbook(env, inventory, play, *extra)


def write_plain_ca(directory):
    """The plain playbook's own CA: an EC key and a self-signed certificate, files on the controller."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Plain bench CA")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now)
                   .not_valid_after(now + datetime.timedelta(days=365))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    ca_dir = os.path.join(directory, "plain-ca")
    os.makedirs(ca_dir)
    with open(os.path.join(ca_dir, "ca.key"), "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    with open(os.path.join(ca_dir, "ca.pem"), "wb") as handle:
        handle.write(certificate.public_bytes(serialization.Encoding.PEM))
    return ca_dir


def measure_plain(token, inventory, directory, names):
    """The plain playbook's first run and forced rotation, on hosts it has not run on yet."""
    extra = ["-e", "plain_ca_dir=" + write_plain_ca(directory), "-e", json.dumps({"plain_names": names})]
    first = playbook(token, inventory, PLAIN_PLAY, *extra)
    rotation = playbook(token, inventory, PLAIN_PLAY, *extra, "-e", "plain_force=true")
    return first, rotation


def row(label, run, logins="-"):
    seconds, stats, remote = run
    return dict(run=label, seconds=round(seconds, 2), changed=total_changed(stats), remote_modules=per_host(remote),
                hsm_logins=logins)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=8)
    parser.add_argument("--certificates", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--forks", type=int, help="Ansible forks (default: one per host, at most 32)")
    parser.add_argument("--plain", action="store_true",
                        help="first measure tools/bench/plain/ownca.yml (community.crypto's own-CA guide) on the same hosts")
    parser.add_argument("--no-pipelining", dest="pipelining", action="store_false",
                        help="measure without SSH pipelining (on by default, as docs/performance.md recommends)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()
    forks = args.forks or min(args.hosts, 32)
    os.environ.update(ANSIBLE_FORKS=str(forks), ANSIBLE_PIPELINING="1" if args.pipelining else "0")
    names = ["cert%d" % index for index in range(args.certificates)]
    rows = []
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

            if args.plain:
                plain_first, plain_rotation = measure_plain(token, inventory, directory, names)
            first = playbook(token, inventory, site, *extra)
            first_logins = token.logins()
            pings, noops = [], []
            for _run in range(args.runs):
                pings.append(playbook(token, inventory, ping_play))
                noops.append(playbook(token, inventory, site, *extra))
                noop_logins = token.logins()
                assert total_changed(noops[-1][1]) == 0, noops[-1][1]
            rotation = playbook(token, inventory, site, *extra, "-e", json.dumps({"certfleet_force_renew": names}))
            rotate_logins = token.logins()
        finally:
            subprocess.run(["python3", LAB, "down", "--name", LAB_NAME], check=True, stdout=subprocess.DEVNULL)

    def median_run(runs):
        return sorted(runs, key=lambda run: run[0])[len(runs) // 2]
    rows.append(row("ping play", median_run(pings)))
    if args.plain:
        rows.append(row("plain playbook: first run", plain_first))
        rows.append(row("plain playbook: forced rotation", plain_rotation))
    rows.append(row("first run (all issued)", first, first_logins))
    rows.append(row("no-op run (nothing due)", median_run(noops), noop_logins))
    rows.append(row("forced full rotation", rotation, rotate_logins))
    figures = dict(hosts=args.hosts, certificates=args.certificates, forks=forks, pipelining=args.pipelining, rows=rows,
                   noop_ping_ratio=round(median_run(noops)[0] / median_run(pings)[0], 2))
    if args.plain:
        figures.update(first_vs_plain=round(first[0] / plain_first[0], 2),
                       rotation_vs_plain_first=round(rotation[0] / plain_first[0], 2))
    if args.json:
        print(json.dumps(figures))
        return 0
    print("%d hosts x %d certificates, forks %d, pipelining %s, medians of %d runs" % (
        args.hosts, args.certificates, forks, "on" if args.pipelining else "off", args.runs))
    print("%-34s %9s %9s %18s %12s" % ("run", "wall (s)", "changed", "remote mods/host", "HSM logins"))
    for entry in rows:
        print("%-34s %9.2f %9s %18s %12s" % (entry["run"], entry["seconds"], entry["changed"], entry["remote_modules"],
                                             entry["hsm_logins"]))
    print("no-op / ping ratio: %.2f" % figures["noop_ping_ratio"])
    if args.plain:
        print("certfleet first run / plain first run: %.2f; forced rotation / plain first run: %.2f" % (
            figures["first_vs_plain"], figures["rotation_vs_plain_first"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
