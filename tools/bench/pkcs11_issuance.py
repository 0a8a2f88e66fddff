"""Benchmark: one certificate issued by pkcs11_certificate on a SoftHSM2 token.

Runs the real module through `ansible localhost -m ...` (what a playbook task costs) with
OpenSC's pkcs11-spy between the module and SoftHSM2, so HSM logins are counted from the
PKCS#11 calls themselves, not from our own code. Reports, per CA key type, the wall time
of an issuing run and of a no-op run (current certificate still fits), with C_Login counts,
next to a bare `ansible.builtin.ping` for scale.

    .venv/bin/python tools/bench/pkcs11_issuance.py [--runs 5]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "tests"))
from helpers.softhsm import SOFTHSM_LIBRARY, SoftHsm  # noqa: E402  pylint: disable=wrong-import-position

SPY = "/usr/lib/x86_64-linux-gnu/pkcs11-spy.so"
TOKEN, PIN = "bench", "bench-pin"
CA_KEYS = {"EC P-256": dict(key_type="ec", curve="secp256r1"),
           "EC P-384": dict(key_type="ec", curve="secp384r1"),
           "RSA 3072": dict(key_type="rsa", size=3072)}


class SpiedToken:
    """A throwaway SoftHSM2 token (the tests' own), reached through pkcs11-spy so every call is logged."""

    def __init__(self, directory):
        self.directory = directory
        token = SoftHsm(directory, pin=PIN, label=TOKEN, so_pin=PIN)
        self.env = dict(token.env, PKCS11SPY=SOFTHSM_LIBRARY, PKCS11SPY_OUTPUT=os.path.join(directory, "spy.log"),
                        CERTFLEET_PKCS11_PIN=PIN, ANSIBLE_NOCOLOR="1",
                        ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="json",
                        ANSIBLE_LOCALHOST_WARNING="0")

    def run(self, module, **args):
        """(result, seconds, C_Login calls) of one `ansible localhost -m module` run."""
        if os.path.exists(self.env["PKCS11SPY_OUTPUT"]):
            os.remove(self.env["PKCS11SPY_OUTPUT"])
        if module.startswith("certfleet.pki.pkcs11_"):
            args = dict(pkcs11_module=SPY, token_label=TOKEN, **args)
        command = ["ansible", "localhost", "-m", module] + (["-a", json.dumps(args)] if args else [])
        started = time.monotonic()
        completed = subprocess.run(command, env=self.env, capture_output=True, text=True, check=False)
        seconds = time.monotonic() - started
        try:
            result = json.loads(completed.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
        except (ValueError, KeyError, IndexError):
            result = {"failed": True, "msg": completed.stdout[-2000:]}
        if completed.returncode != 0 or result.get("failed"):
            raise RuntimeError("%s failed: %s %s" % (module, result.get("msg"), completed.stderr[-2000:]))
        return result, seconds, self.logins()

    def logins(self):
        try:
            with open(self.env["PKCS11SPY_OUTPUT"]) as handle:
                return sum(1 for line in handle if "C_Login" in line and line.lstrip()[:1].isdigit())
        except FileNotFoundError:
            return 0


def write_csr(path):
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench.example.internal")]))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName("bench.example.internal")]), critical=False)
           .sign(key, hashes.SHA256()))
    with open(path, "wb") as handle:
        handle.write(csr.public_bytes(serialization.Encoding.PEM))


def make_ca(token, label, key_args):
    token.run("certfleet.pki.pkcs11_key", key_label=label, **key_args)
    root, _seconds, _logins = token.run("certfleet.pki.pkcs11_certificate", key_label=label, profile="root_ca",
                                        subject={"CN": "Bench " + label})
    path = os.path.join(token.directory, label + ".pem")
    with open(path, "w") as handle:
        handle.write(root["certificate"])
    return path


def measure(token, label, ca_path, csr_path, runs):
    issue_times, issue_logins, noop_times, noop_logins = [], [], [], []
    for _run in range(runs):
        issued, seconds, logins = token.run("certfleet.pki.pkcs11_certificate", key_label=label,
                                            ca_certificate=ca_path, csr=csr_path)
        issue_times.append(seconds)
        issue_logins.append(logins)
        current = os.path.join(token.directory, "current.pem")
        with open(current, "w") as handle:
            handle.write(issued["certificate"])
        kept, seconds, logins = token.run("certfleet.pki.pkcs11_certificate", key_label=label,
                                          ca_certificate=ca_path, csr=csr_path, current_certificate=current)
        assert kept["changed"] is False
        noop_times.append(seconds)
        noop_logins.append(logins)
    return issue_times, issue_logins, noop_times, noop_logins


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="certfleet-bench-") as directory:
        token = SpiedToken(directory)
        csr_path = os.path.join(directory, "bench.csr")
        write_csr(csr_path)
        ping = [token.run("ansible.builtin.ping")[1] for _run in range(args.runs)]
        print("runs per figure: %d; times are medians of whole `ansible localhost -m` runs" % args.runs)
        print("%-10s %14s %14s %14s %14s" % ("CA key", "issue (s)", "logins/issue", "no-op (s)", "logins/no-op"))
        for name, key_args in CA_KEYS.items():
            label = name.replace(" ", "-").lower()
            ca_path = make_ca(token, label, key_args)
            issue_times, issue_logins, noop_times, noop_logins = measure(token, label, ca_path, csr_path, args.runs)
            print("%-10s %14.3f %14s %14.3f %14s" % (
                name, statistics.median(issue_times), "/".join(map(str, sorted(set(issue_logins)))),
                statistics.median(noop_times), "/".join(map(str, sorted(set(noop_logins))))))
        print("%-10s %14.3f   (ansible.builtin.ping, for scale)" % ("ping", statistics.median(ping)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
