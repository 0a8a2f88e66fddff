"""playbooks/bootstrap_pki.yml's KMS variant against a moto server: a root key in KMS
self-signs the root and signs the ACM Private CA subordinate's CSR, the subordinate is
imported and issues a leaf that verifies strictly up to the KMS root. A second run and a
check-mode run change nothing, sign nothing and buy nothing."""

import os
import subprocess

import boto3
import pytest

from helpers.bootstrap import PLAYBOOK, run_bootstrap


@pytest.fixture(scope="module")
def kms_bootstrap(moto, tmp_path_factory):
    out = tmp_path_factory.mktemp("kms-bootstrap")
    kms = boto3.client("kms", region_name="eu-west-1", endpoint_url=moto.url,
                       aws_access_key_id="test", aws_secret_access_key="test")
    key = kms.create_key(KeySpec="ECC_NIST_P384", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    kms.create_alias(AliasName="alias/pki-root", TargetKeyId=key["KeyId"])
    env = dict(os.environ, CERTFLEET_BOOTSTRAP_DIR=str(out), AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
               ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="json")
    # moto's leaves pass strict verification with EndEntityCertificate/V1 (see test_bootstrap_playbook.py).
    extra = ["-e", "certfleet_bootstrap_root_store=kms", "-e", "certfleet_bootstrap_kms_key_id=alias/pki-root",
             "-e", "certfleet_bootstrap_endpoint_url=%s" % moto.url, "-e", "certfleet_bootstrap_leaf_template=EndEntityCertificate"]
    return dict(env=env, extra=extra, out=out)


def test_a_kms_root_signs_the_acm_pca_subordinate_then_nothing_changes(kms_bootstrap, moto):
    assert run_bootstrap(kms_bootstrap)["changed"] > 0
    out = kms_bootstrap["out"]
    verified = subprocess.run(["openssl", "verify", "-x509_strict", "-CAfile", str(out / "root.pem"),
                               "-untrusted", str(out / "subordinate.pem"), str(out / "leaf.pem")],
                              capture_output=True, text=True, check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    subordinate = subprocess.run(["openssl", "x509", "-noout", "-text", "-in", str(out / "subordinate.pem")],
                                 capture_output=True, text=True, check=True).stdout
    assert "CA:TRUE, pathlen:0" in subordinate and "ecdsa-with-SHA384" in subordinate
    signed = moto.calls("Sign", "TrentService")
    assert signed == 2, "the root and the subordinate, one Sign each"
    assert moto.calls("IssueCertificate") == 1 and moto.calls("ImportCertificateAuthorityCertificate") == 1

    assert run_bootstrap(kms_bootstrap)["changed"] == 0
    assert run_bootstrap(kms_bootstrap, "--check")["changed"] == 0
    assert moto.calls("Sign", "TrentService") == signed and moto.calls("IssueCertificate") == 1
    assert moto.calls("CreateCertificateAuthority") == 1


def test_an_unknown_root_store_is_refused_before_anything(kms_bootstrap, moto):
    completed = subprocess.run(
        ["ansible-playbook", PLAYBOOK, *kms_bootstrap["extra"],
         "-e", "certfleet_bootstrap_root_store=vault"],
        env=dict(kms_bootstrap["env"], ANSIBLE_STDOUT_CALLBACK="default"), capture_output=True, text=True, check=False)
    assert completed.returncode != 0 and 'certfleet_bootstrap_root_store "vault" must be hsm or kms' in completed.stdout
