"""Benchmark: the certificate role with each AWS-backed provider, in the SSM Run Command
shape (`-i localhost, -c local`) against a moto server: ACM PCA (`acmpca`, a CSR from the
host), a CA key in KMS (`kms`), ACM private certificates (`acm`) and certificates in Secrets
Manager (`secretsmanager`). For each: the first run (every certificate issued or fetched),
then no-op runs (nothing new): wall time, and the AWS calls each run made, counted by the
moto server's request recorder.

    .venv/bin/python tools/bench/aws_issuers.py [--certificates 3] [--runs 3]
"""

import argparse
import datetime
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "tests"))
from ansible_run import run_playbook, total_changed  # noqa: E402  pylint: disable=wrong-import-position
from helpers.moto_server import active_root_ca  # noqa: E402  pylint: disable=wrong-import-position
from helpers.paths import use_checkout  # noqa: E402  pylint: disable=wrong-import-position

use_checkout()
from ansible_collections.amazon.aws.plugins.module_utils.retries import (  # noqa: E402  pylint: disable=wrong-import-position
    AWSRetry, RetryingBotoClientWrapper)
from ansible_collections.certfleet.pki.plugins.module_utils._certificate_builder import (  # noqa: E402  pylint: disable=wrong-import-position
    build_certificate)
from ansible_collections.certfleet.pki.plugins.module_utils._kms import KmsSigner  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import to_pem  # noqa: E402  pylint: disable=wrong-import-position

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SITE = os.path.join(REPO, "playbooks", "site.yml")
REGION = "eu-west-1"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RecordingMoto:
    """A moto server (its own process) whose request recorder counts the calls."""

    def __init__(self, directory):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.recording = os.path.join(directory, "recording.jsonl")
        self.process = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(self.port)],
                                        env=dict(os.environ, MOTO_RECORDER_FILEPATH=self.recording),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _attempt in range(200):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    break
            time.sleep(0.1)
        urllib.request.urlopen(urllib.request.Request(self.url + "/moto-api/recorder/start-recording", method="POST"))

    def calls(self):
        """Calls so far by X-Amz-Target (service.Operation)."""
        counts = {}
        if os.path.exists(self.recording):
            with open(self.recording) as handle:
                for line in handle:
                    target = json.loads(line)["headers"].get("X-Amz-Target", "other")
                    counts[target] = counts.get(target, 0) + 1
        return counts

    def client(self, service):
        return boto3.client(service, region_name=REGION, endpoint_url=self.url,
                            aws_access_key_id="test", aws_secret_access_key="test")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def active_pca(moto):
    """An ACTIVE ACM PCA root: (ARN, its certificate)."""
    client = moto.client("acm-pca")
    arn = active_root_ca(client, common_name="Bench PCA")
    return arn, client.get_certificate_authority_certificate(CertificateAuthorityArn=arn)["Certificate"]


def kms_root(moto):
    """A KMS key and the root certificate it self-signs (signed through the KMS signer)."""
    client = moto.client("kms")
    key = client.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    signer = KmsSigner(RetryingBotoClientWrapper(client, AWSRetry.jittered_backoff()), key["Arn"])
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench KMS Root")])
    return key["Arn"], to_pem(build_certificate(signer, "root_ca", subject, signer.public_key, validity_days=365)[0])


def secret_value(name):
    """A certificate and key as a rotation Lambda would store them (self-signed is enough here)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = time.time()
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(datetime.datetime.fromtimestamp(now - 300, datetime.timezone.utc))
                   .not_valid_after(datetime.datetime.fromtimestamp(now + 86400 * 90, datetime.timezone.utc))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
                   .sign(key, hashes.SHA256()))
    return json.dumps({"certificate": certificate.public_bytes(serialization.Encoding.PEM).decode(),
                       "private_key": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                        serialization.NoEncryption()).decode()})


def scenarios(moto, count):
    pca_arn, pca_root = active_pca(moto)
    kms_key, kms_root_pem = kms_root(moto)
    common = dict(region=REGION, endpoint_url=moto.url)
    names = ["svc%d.example.internal" % index for index in range(count)]
    for name in names:
        moto.client("secretsmanager").create_secret(Name="tls/" + name, SecretString=secret_value(name))
    return {
        "acmpca": ({"pca": dict(common, provider="acmpca", certificate_authority_arn=pca_arn, ca_certificate=pca_root,
                                template="EndEntityCertificate")},
                   [{"name": "c%d" % i, "issuer": "pca", "common_name": n} for i, n in enumerate(names)]),
        "kms": ({"kms": dict(common, provider="kms", key_id=kms_key, ca_certificate=kms_root_pem)},
                [{"name": "c%d" % i, "issuer": "kms", "common_name": n} for i, n in enumerate(names)]),
        "acm": ({"acm": dict(common, provider="acm", certificate_authority_arn=pca_arn)},
                [{"name": "c%d" % i, "issuer": "acm", "common_name": n, "key": {"type": "rsa", "size": 2048}}
                 for i, n in enumerate(names)]),
        "secretsmanager": (dict(("s%d" % i, dict(common, provider="secretsmanager", secret_id="tls/" + n))
                                for i, n in enumerate(names)),
                           [{"name": "c%d" % i, "issuer": "s%d" % i, "common_name": n} for i, n in enumerate(names)]),
    }


def difference(after, before):
    return dict((target.split(".", 1)[-1], count - before.get(target, 0)) for target, count in sorted(after.items())
                if count - before.get(target, 0))


def measure(moto, directory, provider, issuers, certificates, runs):
    variables = os.path.join(directory, provider + ".json")
    with open(variables, "w") as handle:
        json.dump({"certfleet_issuers": issuers, "certfleet_certificates": certificates,
                   "certfleet_certificates_dir": os.path.join(directory, provider, "certs"),
                   "certfleet_staging_dir": os.path.join(directory, provider, "staging")}, handle)
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
    extra = ["-c", "local", "-e", "@" + variables, "-e", "ansible_python_interpreter=" + sys.executable]
    before = moto.calls()
    first, stats, _remote = run_playbook(env, "localhost,", SITE, *extra)
    first_calls, first_changed = difference(moto.calls(), before), total_changed(stats)
    times, noop_calls = [], None
    for _run in range(runs):
        before = moto.calls()
        seconds, stats, _remote = run_playbook(env, "localhost,", SITE, *extra)
        if total_changed(stats):
            raise RuntimeError("%s: a run with nothing new changed %d" % (provider, total_changed(stats)))
        times.append(seconds)
        noop_calls = difference(moto.calls(), before)
    return dict(provider=provider, first=round(first, 1), first_changed=first_changed, first_calls=first_calls,
                noop=round(statistics.median(times), 2), noop_calls=noop_calls)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--certificates", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="certfleet-bench-aws-") as directory:
        moto = RecordingMoto(directory)
        try:
            for provider, (issuers, certificates) in scenarios(moto, args.certificates).items():
                print(json.dumps(measure(moto, directory, provider, issuers, certificates, args.runs)), flush=True)
        finally:
            moto.stop()


if __name__ == "__main__":
    main()
