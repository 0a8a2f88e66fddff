"""The certificate role with certificates that come with their key from a source, in the SSM
Run Command shape (`-i localhost, -c local`) against an in-process moto server: an ACM
private certificate requested from a moto PCA and a certificate in a Secrets Manager secret.
Check mode fetches nothing; the first run exports and reads once; a second run changes
nothing, exports nothing and reads no secret; after ACM renews (simulated in moto's backend,
moto has no RenewCertificate) and the secret gets a new version, the next run installs both,
once. The run's passphrase and the keys never appear in the output, even with -vvv."""

import json
import os
import subprocess
import sys

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import to_pem
from helpers.acm import counting_moto_server, renew_in_moto
from helpers.lab_fleet import play_recap
from helpers.paths import REPO
from helpers.software_ca import issue_leaf, software_root

REGION = "eu-west-1"
SITE = os.path.join(REPO, "playbooks", "site.yml")
LAMBDA_CA = software_root("Rotation Lambda CA")


def secret_value(name):
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = issue_leaf(LAMBDA_CA, name, profile="server", sans=["DNS:" + name], public_key=key.public_key())
    return json.dumps({"certificate": to_pem(leaf), "certificate_chain": to_pem(LAMBDA_CA[1]),
                       "private_key": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                        serialization.NoEncryption()).decode()})


@pytest.fixture(scope="module")
def aws(tmp_path_factory):
    with counting_moto_server() as server:
        yield dict(server, directory=tmp_path_factory.mktemp("delivered"))


def test_sources_decide_each_version_is_fetched_once_and_nothing_secret_is_printed(aws):
    directory, counts, clients = aws["directory"], aws["counts"], aws["clients"]
    clients["secretsmanager"].create_secret(Name="prod/tls/api", SecretString=secret_value("api.example.internal"))
    variables = {
        "certfleet_issuers": {
            "private-acm": {"provider": "acm", "certificate_authority_arn": aws["ca_arn"], "region": REGION,
                            "endpoint_url": aws["url"], "tags": {"service": "www"}},
            "api-secret": {"provider": "secretsmanager", "secret_id": "prod/tls/api", "region": REGION,
                           "endpoint_url": aws["url"]},
        },
        "certfleet_certificates": [
            {"name": "www", "issuer": "private-acm", "common_name": "www.example.internal", "key": {"type": "rsa", "size": 2048}},
            {"name": "api", "issuer": "api-secret", "common_name": "api.example.internal"},
        ],
        "certfleet_certificates_dir": str(directory / "certs"), "certfleet_staging_dir": str(directory / "staging"),
    }
    (directory / "vars.json").write_text(json.dumps(variables))
    command = ["ansible-playbook", "-i", "localhost,", "-c", "local", SITE, "-e", "@%s" % (directory / "vars.json"),
               "-e", "ansible_python_interpreter=" + sys.executable]
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", ANSIBLE_NOCOLOR="1")

    def run(*extra):
        done = subprocess.run(command + list(extra), env=env, capture_output=True, text=True, check=False, timeout=600)
        (directory / "last-run.log").write_text(done.stdout + done.stderr)  # kept for a failure's reader
        assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
        for secret in ("BEGIN PRIVATE KEY", "BEGIN ENCRYPTED PRIVATE KEY", "BEGIN EC PRIVATE KEY"):
            assert secret not in done.stdout + done.stderr, "key material in the output"
        return play_recap(done.stdout)["localhost"], dict(counts)

    def installed(name):
        current = directory / "certs" / name / "current"
        certificate = x509.load_pem_x509_certificate((current / "cert.pem").read_bytes())
        key = serialization.load_pem_private_key((current / "key.pem").read_bytes(), password=None)
        assert key.public_key().public_numbers() == certificate.public_key().public_numbers()
        assert oct((current / "key.pem").stat().st_mode & 0o777) == "0o600"
        origin = current / "origin"
        return "%x" % certificate.serial_number, origin.read_text() if origin.exists() else None

    (changed, _failed), spent = run("--check")
    assert changed > 0 and spent == {"export": 0, "read": 0} and not (directory / "certs" / "www").exists()

    (changed, _failed), spent = run("-vvv")
    assert changed > 0 and spent == {"export": 1, "read": 1}
    (arn,) = [c["CertificateArn"] for c in clients["acm"].list_certificates()["CertificateSummaryList"]]
    acm_serial = "%x" % x509.load_pem_x509_certificate(
        clients["acm"].get_certificate(CertificateArn=arn)["Certificate"].encode()).serial_number
    version = clients["secretsmanager"].describe_secret(SecretId="prod/tls/api")["VersionIdsToStages"]
    (first_version,) = [v for v, stages in version.items() if "AWSCURRENT" in stages]
    assert installed("www") == (acm_serial, None) and installed("api")[1] == first_version

    assert run() == ((0, 0), {"export": 1, "read": 1}), "nothing new at the sources: no export, no secret read"
    assert run("--check") == ((0, 0), {"export": 1, "read": 1})

    renewed = renew_in_moto(arn)
    clients["secretsmanager"].put_secret_value(SecretId="prod/tls/api", SecretString=secret_value("api.example.internal"))
    (changed, _failed), spent = run()
    assert changed > 0 and spent == {"export": 2, "read": 2}
    assert installed("www")[0] == renewed and installed("api")[1] != first_version
    assert run() == ((0, 0), {"export": 2, "read": 2})
