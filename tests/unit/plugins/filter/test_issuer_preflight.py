"""The issuers' preflight, one rule for every provider (issue 29, defect 5): a CA that is not
valid now or ends inside the batch's renewal window is refused before any key is staged,
naming the issuer and the date; KMS issuers used to have no preflight at all."""

import datetime

import pytest

from ansible_collections.certfleet.pki.plugins.filter.issuer_preflight import issuer_problems
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import to_pem
from helpers.software_ca import software_root

NOW = datetime.datetime.now(datetime.timezone.utc)
CA_20_DAYS = to_pem(software_root("Ends soon", validity_days=20)[1])
CA_YEAR = to_pem(software_root("Lives long", validity_days=365)[1])
ARN = "arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/11111111-2222-3333-4444-555555555555"


def due(issuer, provider, **connection):
    """A check run (the check_runs filter's shape) whose longest renewal window is 36 days."""
    return dict(issuer=issuer, provider=provider, connection=connection, renew_before_days=36)


@pytest.mark.parametrize("entry, results, problem", [
    (due("kms-ca", "kms", key_id="alias/ca", ca_certificate=CA_20_DAYS), [],
     "its CA certificate ends on %s (in 20 days), inside a renewal window of 36 days"),
    (due("kms-ca", "kms", key_id="alias/ca", ca_certificate=CA_YEAR), [], ""),
    (due("hsm", "pkcs11", key_label="k", token_label="t", ca_certificate=CA_20_DAYS),
     [dict(found=True, ca_certificate_matches=True)], "its CA certificate ends on %s (in 20 days)"),
    (due("hsm", "pkcs11", key_label="k", token_label="t", ca_certificate=CA_YEAR), [dict(found=False)],
     "no key labelled k on token t"),
    (due("hsm", "pkcs11", key_label="k", token_label="t", ca_certificate=CA_YEAR),
     [dict(found=True, ca_certificate_matches=False, key="EC secp256r1")], "does not belong to its ca_certificate"),
    (due("pca", "acmpca", certificate_authority_arn=ARN), [dict(status="DISABLED")], "CA %s is DISABLED, not ACTIVE" % ARN),
    (due("pca", "acmpca", certificate_authority_arn=ARN),
     [dict(status="ACTIVE", not_after=(NOW + datetime.timedelta(days=10)).isoformat())], "(in 10 days), inside a renewal"),
    (due("pca", "acmpca", certificate_authority_arn=ARN),
     [dict(status="ACTIVE", not_after=(NOW - datetime.timedelta(days=1)).isoformat())], "not now"),
    (due("pca", "acmpca", certificate_authority_arn=ARN), [dict(status="ACTIVE")], ""),
    (due("pca", "acmpca", certificate_authority_arn=ARN), [dict(msg="AccessDenied")], "AccessDenied"),
])
def test_every_provider_gets_the_same_preflight(entry, results, problem):
    results = [dict(result, item=entry) for result in results]
    (verdict,) = issuer_problems([entry], results, now=NOW)
    assert verdict["issuer"] == entry["issuer"]
    if not problem:
        assert verdict["problem"] == ""
        return
    if "%s" in problem and "ends on" in problem:
        problem = problem % (NOW + datetime.timedelta(days=20)).date().isoformat()
    assert problem in verdict["problem"], verdict
