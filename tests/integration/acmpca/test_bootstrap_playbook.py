"""playbooks/bootstrap_pki.yml end to end: HSM root on SoftHSM2, ACM PCA subordinate on a
moto server, subordinate signed by the HSM root and imported, a leaf verifying up to the
HSM root. Second run changes nothing and buys nothing; check mode changes nothing."""

import os
import subprocess

import pytest

from helpers.bootstrap import run_bootstrap
from helpers.softhsm import SoftHsm


@pytest.fixture(scope="module")
def bootstrap_env(moto, tmp_path_factory):
    directory = tmp_path_factory.mktemp("bootstrap")
    token_dir = directory / "hsm"
    token_dir.mkdir()
    hsm = SoftHsm(str(token_dir))
    out = directory / "pki"
    out.mkdir()
    env = dict(os.environ, SOFTHSM2_CONF=hsm.config, CERTFLEET_PKCS11_PIN=hsm.pin, CERTFLEET_BOOTSTRAP_DIR=str(out),
               AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
               ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="json")
    # moto gives proper extensions (AKI included) only with EndEntityCertificate/V1; with
    # other templates its leaves fail strict verification, which real ACM PCA leaves pass.
    extra = ["-e", "certfleet_bootstrap_token=%s" % hsm.label, "-e", "certfleet_bootstrap_endpoint_url=%s" % moto.url,
             "-e", "certfleet_bootstrap_leaf_template=EndEntityCertificate"]
    return dict(env=env, extra=extra, out=out)


def test_bootstrap_builds_the_hierarchy_then_changes_nothing(bootstrap_env, moto):
    first = run_bootstrap(bootstrap_env)
    assert first["changed"] > 0
    out = bootstrap_env["out"]
    verified = subprocess.run(["openssl", "verify", "-x509_strict", "-CAfile", str(out / "root.pem"),
                               "-untrusted", str(out / "subordinate.pem"), str(out / "leaf.pem")],
                              capture_output=True, text=True, check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    subordinate = subprocess.run(["openssl", "x509", "-noout", "-text", "-in", str(out / "subordinate.pem")],
                                 capture_output=True, text=True, check=True).stdout
    assert "CA:TRUE, pathlen:0" in subordinate and "certfleet portable root" in subordinate
    issued_once = moto.calls("IssueCertificate")
    imported_once = moto.calls("ImportCertificateAuthorityCertificate")
    assert issued_once == 1 and imported_once == 1

    second = run_bootstrap(bootstrap_env)
    assert second["changed"] == 0
    assert moto.calls("IssueCertificate") == issued_once, "a re-run must buy nothing"
    assert moto.calls("CreateCertificateAuthority") == 1

    checked = run_bootstrap(bootstrap_env, "--check")
    assert checked["changed"] == 0
    assert moto.calls("IssueCertificate") == issued_once
