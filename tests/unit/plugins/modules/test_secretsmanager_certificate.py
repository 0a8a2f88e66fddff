"""secretsmanager_certificate against moto in process: a secret's version is read and
installed once, a host that has that version reads nothing, a new version is read once for
every host of a batch, and a secret whose key or names do not fit is refused by name."""

import json

import boto3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from moto import mock_aws
from moto.secretsmanager.models import SecretsManagerBackend

from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import to_pem
from ansible_collections.certfleet.pki.plugins.modules import secretsmanager_certificate
from helpers.software_ca import issue_leaf, software_root

REGION = "eu-west-1"
PASSPHRASE = "a-run-passphrase-0123456789"
CA = software_root("Rotation Lambda CA")


def secret_value(name="www.example.internal", key=None, certificate_key=None):
    key = key or ec.generate_private_key(ec.SECP256R1())
    leaf = issue_leaf(CA, name, profile="server", sans=["DNS:" + name], public_key=(certificate_key or key).public_key())
    return json.dumps({"certificate": to_pem(leaf), "certificate_chain": to_pem(CA[1]),
                       "private_key": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                        serialization.NoEncryption()).decode()})


@pytest.fixture
def secrets(monkeypatch):
    for name, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"), ("AWS_DEFAULT_REGION", REGION)):
        monkeypatch.setenv(name, value)
    reads = []
    original = SecretsManagerBackend.get_secret_value

    def counted(self, *args, **kwargs):
        reads.append(args)
        return original(self, *args, **kwargs)
    monkeypatch.setattr(SecretsManagerBackend, "get_secret_value", counted)
    with mock_aws():
        client = boto3.client("secretsmanager", region_name=REGION)
        client.create_secret(Name="prod/tls/www", SecretString=secret_value())
        yield dict(client=client, reads=reads)


def args(**extra):
    return dict(dict(secret_id="prod/tls/www", region=REGION, passphrase=PASSPHRASE,
                     subject_alt_names=["DNS:www.example.internal"]), **extra)


def test_a_version_is_read_once_and_a_host_that_has_it_reads_nothing(secrets, module_runner):
    first = module_runner(secretsmanager_certificate, args())
    assert first["changed"] and first["version_id"] and not first.get("failed"), first
    key = serialization.load_pem_private_key(first["private_key"].encode(), password=PASSPHRASE.encode())
    certificate = x509.load_pem_x509_certificate(first["certificate"].encode())
    assert key.public_key().public_numbers() == certificate.public_key().public_numbers()
    assert "BEGIN PRIVATE KEY" not in json.dumps(first) and len(secrets["reads"]) == 1

    again = module_runner(secretsmanager_certificate, args(current_version_id=first["version_id"]))
    assert again["changed"] is False and again["private_key"] is None and len(secrets["reads"]) == 1

    secrets["client"].put_secret_value(SecretId="prod/tls/www", SecretString=secret_value())
    checked = module_runner(secretsmanager_certificate, args(current_version_id=first["version_id"]), check_mode=True)
    assert checked["changed"] and checked["private_key"] is None and len(secrets["reads"]) == 1
    batch = module_runner(secretsmanager_certificate, dict(
        secret_id="prod/tls/www", region=REGION, passphrase=PASSPHRASE,
        requests=[dict(requester="web-%d/www" % index, current_version_id=first["version_id"],
                       subject_alt_names=["DNS:www.example.internal"]) for index in range(3)]))
    assert [result["changed"] for result in batch["certificates"]] == [True, True, True]
    assert batch["version_id"] != first["version_id"] and len(secrets["reads"]) == 2, "one read for the batch"


@pytest.mark.parametrize("value, problem", [
    (lambda: secret_value(certificate_key=ec.generate_private_key(ec.SECP256R1())),
     "the private key does not match the certificate"),
    (lambda: secret_value(name="evil.example.internal"),
     "holds a certificate for evil.example.internal, not the declared www.example.internal"),
    (lambda: json.dumps({"certificate": "x"}), "has no field private_key (fields: certificate)"),
    (lambda: "not json", "is not a JSON object"),
])
def test_a_secret_that_does_not_fit_is_refused_by_name(secrets, module_runner, value, problem):
    secrets["client"].put_secret_value(SecretId="prod/tls/www", SecretString=value())
    result = module_runner(secretsmanager_certificate, args())
    assert result.get("failed") and problem in result["msg"] and "secret prod/tls/www version" in result["msg"], result


def test_a_secret_without_a_chain_field_gives_an_empty_chain(secrets, module_runner):
    value = json.loads(secret_value())
    del value["certificate_chain"]
    secrets["client"].put_secret_value(SecretId="prod/tls/www", SecretString=json.dumps(value))
    result = module_runner(secretsmanager_certificate, args())
    assert result["changed"] and result["chain"] == "" and result["fullchain"] == result["certificate"], result
