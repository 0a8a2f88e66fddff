"""Where a backend cannot keep a promise it says so (issue 29): revoke.yml refuses, before
anything changes, a certificate whose issuer keeps no record to revoke from (KMS, ACM private
certificates, Secrets Manager, an HSM-backed CA without a ledger), naming the certificate, the
issuer and what to do instead. Local-connection hosts; no AWS call is made."""

import os

import pytest

from helpers.lab_fleet import play_recap
from helpers.lying_host import LyingFleet
from helpers.paths import REPO

ARN = "arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/11111111-2222-3333-4444-555555555555"
ISSUERS = {
    "kms": {"provider": "kms", "key_id": "alias/issuing", "ca_certificate": "PEM", "region": "eu-west-1"},
    "acm": {"provider": "acm", "certificate_authority_arn": ARN, "region": "eu-west-1"},
    "secretsmanager": {"provider": "secretsmanager", "secret_id": "prod/tls/www", "region": "eu-west-1"},
    "pkcs11": {"provider": "pkcs11", "pkcs11_module": "/usr/lib/softhsm/libsofthsm2.so", "token_label": "t",
               "key_label": "k", "ca_certificate": "PEM"},
}


@pytest.mark.parametrize("provider", sorted(ISSUERS))
def test_an_issuer_that_cannot_revoke_is_refused_before_anything_changes(provider, tmp_path):
    declarations = {"certfleet_issuers": {"issuer": ISSUERS[provider]},
                    "certfleet_certificates": [{"name": "web", "issuer": "issuer",
                                                "common_name": "{{ inventory_hostname }}"}]}
    fleet = LyingFleet(tmp_path, declarations, honest=(), liar="web-1")  # no lie here: one host, its own directories
    run = fleet.playbook(os.path.join(REPO, "playbooks", "revoke.yml"), "-e", "certfleet_revoke=web")
    assert play_recap(run.stdout)["web-1"] == (0, 1), run.stdout[-3000:]
    assert "web: issuer issuer (%s) cannot revoke" % provider in run.stdout
    assert "Nothing was changed. Renew it with certfleet_force_renew instead." in run.stdout
    assert not os.path.exists(fleet.path("web-1", "certs")) and not os.path.exists(fleet.path("web-1", "staging"))
