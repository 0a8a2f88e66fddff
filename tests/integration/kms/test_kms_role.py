"""The certificate role with a KMS-backed issuer (provider kms), in the SSM Run Command shape
(`-i localhost, -c local`) against a moto server: check mode says what would be issued and
signs nothing, the run installs certificates that verify strictly against the KMS root with
one DescribeKey for the batch and one Sign per certificate, and a re-run changes nothing and
calls no KMS API."""

import json
import os
import subprocess
import sys

import boto3

from ansible_collections.certfleet.pki.plugins.modules import kms_certificate
from helpers.lab_fleet import play_recap
from helpers.paths import REPO

SITE = os.path.join(REPO, "playbooks", "site.yml")
NAMES = ["api", "www", "admin"]


def kms_calls(moto):
    return dict((operation, moto.calls(operation, "TrentService")) for operation in ("DescribeKey", "Sign"))


def test_the_role_issues_from_a_kms_ca_once_and_then_calls_no_kms(moto, module_runner, tmp_path):
    client = boto3.client("kms", region_name="eu-west-1", endpoint_url=moto.url,
                          aws_access_key_id="test", aws_secret_access_key="test")
    key = client.create_key(KeySpec="ECC_NIST_P384", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    client.create_alias(AliasName="alias/role-issuing", TargetKeyId=key["KeyId"])
    root = module_runner(kms_certificate, dict(key_id="alias/role-issuing", region="eu-west-1", endpoint_url=moto.url,
                                               access_key="test", secret_key="test", certificate_profile="root_ca",
                                               subject={"CN": "KMS Role Root"}))["certificate"]
    (tmp_path / "root.pem").write_text(root)
    variables = {
        "certfleet_issuers": {"kms-ca": {"provider": "kms", "key_id": "alias/role-issuing", "region": "eu-west-1",
                                         "endpoint_url": moto.url, "ca_certificate": root}},
        "certfleet_certificates": [{"name": name, "issuer": "kms-ca", "common_name": "%s.example.internal" % name}
                                   for name in NAMES],
        "certfleet_certificates_dir": str(tmp_path / "certs"), "certfleet_staging_dir": str(tmp_path / "staging"),
    }
    (tmp_path / "vars.json").write_text(json.dumps(variables))
    command = ["ansible-playbook", "-i", "localhost,", "-c", "local", SITE, "-e", "@%s" % (tmp_path / "vars.json"),
               "-e", "ansible_python_interpreter=" + sys.executable]
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", ANSIBLE_NOCOLOR="1")

    def run(*extra):
        before = kms_calls(moto)
        done = subprocess.run(command + list(extra), env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
        return play_recap(done.stdout)["localhost"], dict((op, n - before[op]) for op, n in kms_calls(moto).items())

    (changed, _failed), spent = run("--check")
    assert changed > 0 and spent == {"DescribeKey": 0, "Sign": 0}, "check mode reports, and signs nothing"
    assert not (tmp_path / "certs").exists() or not any((tmp_path / "certs").rglob("cert.pem"))

    (changed, _failed), spent = run()
    assert changed > 0 and spent == {"DescribeKey": 1, "Sign": len(NAMES)}, spent
    for name in NAMES:
        current = tmp_path / "certs" / name / "current"
        verified = subprocess.run(["openssl", "verify", "-x509_strict", "-CAfile", str(tmp_path / "root.pem"),
                                   str(current / "cert.pem")], capture_output=True, text=True, check=False)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert (current / "chain.pem").read_text().strip() == root.strip()

    assert run() == ((0, 0), {"DescribeKey": 0, "Sign": 0}), "a run with nothing due changes nothing and calls no KMS"
    assert run("--check") == ((0, 0), {"DescribeKey": 0, "Sign": 0})


def test_a_kms_ca_ending_inside_the_renewal_window_is_refused_before_any_key_is_staged(moto, module_runner, tmp_path):
    """Issue 29, defect 5: every certificate clamped to a CA that ends in 20 days would be due
    again on every run with renew_before 30d; the role now refuses the issuer first."""
    client = boto3.client("kms", region_name="eu-west-1", endpoint_url=moto.url,
                          aws_access_key_id="test", aws_secret_access_key="test")
    key = client.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    root = module_runner(kms_certificate, dict(key_id=key["Arn"], region="eu-west-1", endpoint_url=moto.url,
                                               access_key="test", secret_key="test", certificate_profile="root_ca",
                                               subject={"CN": "KMS Root Ending Soon"}, validity_days=20))["certificate"]
    variables = {
        "certfleet_issuers": {"kms-ca": {"provider": "kms", "key_id": key["Arn"], "region": "eu-west-1",
                                         "endpoint_url": moto.url, "ca_certificate": root}},
        "certfleet_certificates": [{"name": "web", "issuer": "kms-ca", "common_name": "web.example.internal",
                                    "renew_before": "30d"}],
        "certfleet_certificates_dir": str(tmp_path / "certs"), "certfleet_staging_dir": str(tmp_path / "staging"),
    }
    (tmp_path / "vars.json").write_text(json.dumps(variables))
    signs = moto.calls("Sign", "TrentService")
    done = subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local", SITE, "-e", "@%s" % (tmp_path / "vars.json"),
                           "-e", "ansible_python_interpreter=" + sys.executable],
                          env=dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", ANSIBLE_NOCOLOR="1"),
                          capture_output=True, text=True, check=False)
    assert done.returncode != 0 and "issuer kms-ca: its CA certificate ends on" in done.stdout, done.stdout[-3000:]
    assert "inside a renewal window of 36 days" in done.stdout and "nothing was staged or signed on any host" in done.stdout
    assert moto.calls("Sign", "TrentService") == signs
    assert not (tmp_path / "staging").exists() or not any((tmp_path / "staging").rglob("*.pem"))
