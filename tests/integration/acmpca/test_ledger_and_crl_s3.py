"""The S3 side of revocation against moto: two parallel runs writing one S3 ledger lose no
entry, and the crl role (playbooks/crl.yml) installs an ACM Private CA's CRL found through
the CA's CRL configuration, idempotently."""

import datetime
import json
import os
import subprocess
import sys

import boto3
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from moto.acmpca.models import acmpca_backends
from moto.server import ThreadedMotoServer

from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import to_pem
from helpers.lab_fleet import play_recap
from helpers.moto_server import active_root_ca, free_port
from helpers.paths import REPO
from helpers.software_ca import issue_leaf, software_root

REGION = "eu-west-1"
AWS_ENV = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION=REGION,
               ANSIBLE_NOCOLOR="1")
LOCAL = ["-i", "localhost,", "-c", "local", "-e", "ansible_python_interpreter=" + sys.executable]
NOW = datetime.datetime.now(datetime.timezone.utc)


def certificates(count):
    ca = software_root("S3 Ledger Root")
    leaves = [issue_leaf(ca, "client-%d" % index) for index in range(count)]
    return [(to_pem(leaf), "%x" % leaf.serial_number) for leaf in leaves]


def ledger_play(path, moto_url, issued, revoke):
    """A playbook that records ``issued`` and then revokes ``revoke`` one serial per module run."""
    common = dict(location="s3://pki-ledger/parallel", ca="lab-hsm", region=REGION, endpoint_url=moto_url)
    play = [{"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "Record", "certfleet.pki.certificate_ledger": dict(common, certificates=[
            dict(certificate=pem, host="host-%d" % index, name="client") for index, (pem, _serial) in enumerate(issued)])},
        {"name": "Revoke", "certfleet.pki.certificate_ledger": dict(common, revoke=["{{ item }}"],
                                                                    revocation_reason="KEY_COMPROMISE"),
         "loop": revoke},
    ]}]
    with open(path, "w") as handle:
        yaml.safe_dump(play, handle)
    return path


def test_two_parallel_runs_on_one_s3_ledger_lose_no_entry(moto, tmp_path):
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=moto.url, aws_access_key_id="test",
                      aws_secret_access_key="test")
    s3.create_bucket(Bucket="pki-ledger", CreateBucketConfiguration={"LocationConstraint": REGION})
    issued = certificates(24)
    serials = [serial for _pem, serial in issued]
    # Both record all 24; A revokes the first 16, B the last 16: 8 serials are revoked by both at once.
    runs = [subprocess.Popen(["ansible-playbook", *LOCAL,
                              ledger_play(str(tmp_path / ("%s.yml" % label)), moto.url, issued, part)],
                             env=dict(AWS_ENV, ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1"),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for label, part in (("a", serials[:16]), ("b", serials[8:]))]
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    for run, output in zip(runs, outputs):
        assert run.returncode == 0, output[-3000:]

    def keys(kind):
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket="pki-ledger", Prefix="parallel/lab-hsm/%s/" % kind)
        return sorted(item["Key"].rsplit("/", 1)[1][:-5] for page in pages for item in page.get("Contents", []))

    assert keys("issued") == sorted(serials)
    assert keys("revoked") == sorted(serials)
    # Every overlapping serial was created by exactly one run (the other found it revoked).
    created = sum(len(result["revoked"]) for output in outputs for result in _results(output, "Revoke"))
    assert created == 24


def _results(output, task):
    """The per-item results of ``task`` from an ansible-playbook run with the json callback."""
    document = json.loads(output[output.index("{"):])
    for play in document["plays"]:
        for entry in play["tasks"]:
            if entry["task"]["name"] == task:
                return entry["hosts"]["localhost"]["results"]
    raise AssertionError("task %s not found" % task)


@pytest.fixture(scope="module")
def pca_with_crl():
    """An in-process moto server (its backends readable here, to sign the CRL ACM Private CA
    would publish with the CA's own key: moto does not publish CRLs)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = "http://%s:%d" % (host, port)
    session = dict(region_name=REGION, endpoint_url=url, aws_access_key_id="test", aws_secret_access_key="test")
    s3, pca = boto3.client("s3", **session), boto3.client("acm-pca", **session)
    s3.create_bucket(Bucket="pca-crl", CreateBucketConfiguration={"LocationConstraint": REGION})
    arn = active_root_ca(pca, "RSA_2048", "SHA256WITHRSA", "Moto PCA with CRL", revocation={
        "CrlConfiguration": {"Enabled": True, "S3BucketName": "pca-crl", "ExpirationInDays": 7}})
    authority = acmpca_backends["123456789012"][REGION].certificate_authorities[arn]
    root = authority.certificate_bytes.decode()

    def publish(number, serials):
        """Write the CA's CRL where ACM Private CA does: s3://<bucket>/crl/<CA id>.crl, DER."""
        builder = (x509.CertificateRevocationListBuilder().issuer_name(x509.load_pem_x509_certificate(root.encode()).subject)
                   .last_update(NOW - datetime.timedelta(minutes=5)).next_update(NOW + datetime.timedelta(days=7))
                   .add_extension(x509.CRLNumber(number), critical=False))
        for serial in serials:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(NOW).build())
        der = builder.sign(authority.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
        s3.put_object(Bucket="pca-crl", Key="crl/%s.crl" % arn.rsplit("/", 1)[1], Body=der)

    yield dict(url=url, arn=arn, publish=publish)
    server.stop()


def distribute(pca_with_crl, crl_dir, *extra):
    variables = {"certfleet_issuers": {"pca": {"provider": "acmpca", "certificate_authority_arn": pca_with_crl["arn"],
                                               "region": REGION, "endpoint_url": pca_with_crl["url"]}},
                 "certfleet_crl_issuers": ["pca"], "certfleet_crl_dir": crl_dir}
    run = subprocess.run(["ansible-playbook", *LOCAL, "-e", json.dumps(variables),
                          os.path.join(REPO, "playbooks", "crl.yml"), *extra],
                         env=dict(AWS_ENV, ANSIBLE_STDOUT_CALLBACK="default"), capture_output=True, text=True,
                         check=False, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    return play_recap(run.stdout)["localhost"][0]


def installed_serials(path):
    with open(path, "rb") as handle:
        return sorted(entry.serial_number for entry in x509.load_pem_x509_crl(handle.read()))


def test_the_acm_pca_crl_is_installed_from_s3_and_converges(pca_with_crl, tmp_path):
    crl_dir = str(tmp_path / "crl")
    installed = os.path.join(crl_dir, "pca.pem")
    pca_with_crl["publish"](1, [0x1001])
    assert distribute(pca_with_crl, crl_dir) > 0
    assert installed_serials(installed) == [0x1001]
    assert distribute(pca_with_crl, crl_dir) == 0

    pca_with_crl["publish"](2, [0x1001, 0x1002])
    assert distribute(pca_with_crl, crl_dir, "--check") > 0
    assert installed_serials(installed) == [0x1001]
    assert distribute(pca_with_crl, crl_dir) > 0
    assert installed_serials(installed) == [0x1001, 0x1002]
    assert distribute(pca_with_crl, crl_dir) == 0
