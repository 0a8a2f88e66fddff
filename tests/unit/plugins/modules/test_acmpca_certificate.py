"""acmpca_certificate against botocore's Stubber: every request is checked against the real
ACM PCA service model, and AWS errors are injected."""

import datetime

import pytest

from ansible_collections.certfleet.pki.plugins.module_utils import _acmpca as acmpca
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import to_pem
from helpers.acmpca import CA_ARN, CA_CERT, CERT_ARN, CSR, LEAF, NOW, authority, expect_fetch, expect_issue, run


def test_request_contract_and_result(module_runner, stubbed):
    expect_issue(stubbed, template="EndEntityServerAuthCertificate", validity={"Type": "DAYS", "Value": 90})
    expect_fetch(stubbed)
    result = run(module_runner, csr=CSR, template_arn="EndEntityServerAuthCertificate", validity_days=90)
    assert result["changed"] is True and result["renewal_reason"] == "no current certificate"
    assert result["certificate_arn"] == CERT_ARN
    assert result["fullchain"] == to_pem(LEAF) + to_pem(CA_CERT)
    assert result["serial"] == "%x" % LEAF.serial_number


def test_idempotency_token_is_stable_and_request_specific():
    request = {"SigningAlgorithm": "SHA256WITHECDSA", "Validity": {"Type": "DAYS", "Value": 90}}
    token = acmpca.idempotency_token(CA_ARN, CSR, request)
    assert len(token) == 36 and token == acmpca.idempotency_token(CA_ARN, CSR + "\n", dict(request))
    assert token != acmpca.idempotency_token(CA_ARN, CSR, dict(request, Validity={"Type": "DAYS", "Value": 91}))
    assert token != acmpca.idempotency_token(CA_ARN.replace("1111", "9999"), CSR, request)


def test_same_task_twice_sends_the_same_token(module_runner, stubbed):
    tokens = []
    stubbed.client.meta.events.register(
        "before-parameter-build.acm-pca.IssueCertificate",
        lambda params, **kwargs: tokens.append(params["IdempotencyToken"]))
    for validity_days in (365, 365, 90):
        expect_issue(stubbed, validity={"Type": "DAYS", "Value": validity_days})
        expect_fetch(stubbed)
        run(module_runner, csr=CSR, validity_days=validity_days)
    assert len(tokens) == 3 and len(tokens[0]) == 36
    assert tokens[0] == tokens[1] != tokens[2]


@pytest.mark.parametrize("key, expected", [("EC_prime256v1", "SHA256WITHECDSA"), ("EC_secp384r1", "SHA384WITHECDSA"),
                                           ("RSA_2048", "SHA256WITHRSA"), ("RSA_4096", "SHA512WITHRSA")])
def test_signing_algorithm_follows_the_ca_key(key, expected):
    assert acmpca.check_signing_algorithm(key, None) == expected


def test_throttling_then_success(module_runner, stubbed):
    stubbed.add_response("describe_certificate_authority", authority(), {"CertificateAuthorityArn": CA_ARN})
    stubbed.add_client_error("issue_certificate", "ThrottlingException", "Rate exceeded")
    stubbed.add_client_error("issue_certificate", "ThrottlingException", "Rate exceeded")
    stubbed.add_response("issue_certificate", {"CertificateArn": CERT_ARN})
    expect_fetch(stubbed)
    assert run(module_runner, csr=CSR)["certificate_arn"] == CERT_ARN


def test_request_in_progress_then_success(module_runner, stubbed):
    expect_issue(stubbed)
    expect_fetch(stubbed, in_progress=2)
    assert run(module_runner, csr=CSR)["certificate"] == to_pem(LEAF)


@pytest.mark.parametrize("code", ["InvalidStateException", "MalformedCSRException", "ResourceNotFoundException",
                                  "AccessDeniedException", "LimitExceededException"])
def test_aws_errors_name_the_cause(module_runner, stubbed, code):
    stubbed.add_response("describe_certificate_authority", authority(), {"CertificateAuthorityArn": CA_ARN})
    stubbed.add_client_error("issue_certificate", code, "the CA said no")
    result = run(module_runner, csr=CSR)
    assert result["failed"] and "Failed to issue a certificate from CA %s" % CA_ARN in result["msg"] and code in result["msg"]
    assert "the CA said no" in result["msg"]


def test_inactive_ca_is_refused_before_issuing(module_runner, stubbed):
    stubbed.add_response("describe_certificate_authority", authority(status="DISABLED"))
    result = run(module_runner, csr=CSR)
    assert result["failed"] and "is DISABLED, not ACTIVE" in result["msg"]


def test_algorithm_not_fitting_the_ca_key_is_refused(module_runner, stubbed):
    stubbed.add_response("describe_certificate_authority", authority(key="EC_prime256v1"))
    result = run(module_runner, csr=CSR, signing_algorithm="SHA256WITHRSA")
    assert result["failed"] and "does not fit the CA's EC_prime256v1 key" in result["msg"]


def test_validity_beyond_the_ca_is_refused(module_runner, stubbed):
    stubbed.add_response("describe_certificate_authority", authority(not_after=NOW + datetime.timedelta(days=30)))
    result = run(module_runner, csr=CSR, validity={"type": "YEARS", "value": 1})
    assert result["failed"] and "after the CA certificate" in result["msg"]


def test_api_passthrough_needs_a_passthrough_template(module_runner, stubbed):
    result = run(module_runner, csr=CSR, api_passthrough={"Subject": {"CommonName": "x"}})
    assert result["failed"] and "only honoured by *APIPassthrough" in result["msg"]


def test_fitting_current_certificate_calls_nothing(module_runner, stubbed):
    result = run(module_runner, csr=CSR, current_certificate=to_pem(LEAF), ca_certificate=to_pem(CA_CERT),
                 template_arn="EndEntityServerAuthCertificate")
    assert result["changed"] is False and result["renewal_reason"] is None and result["certificate_arn"] is None


def test_fitting_current_certificate_without_ca_reads_only_the_ca_certificate(module_runner, stubbed):
    stubbed.add_response("get_certificate_authority_certificate", {"Certificate": to_pem(CA_CERT)},
                         {"CertificateAuthorityArn": CA_ARN})
    result = run(module_runner, csr=CSR, current_certificate=to_pem(LEAF), template_arn="EndEntityServerAuthCertificate")
    assert result["changed"] is False


def test_changed_template_profile_reissues(module_runner, stubbed):
    expect_issue(stubbed, template="EndEntityClientAuthCertificate")
    expect_fetch(stubbed)
    result = run(module_runner, csr=CSR, current_certificate=to_pem(LEAF), ca_certificate=to_pem(CA_CERT),
                 template_arn="EndEntityClientAuthCertificate")
    assert result["changed"] is True and result["renewal_reason"] == "profile changed"


def test_check_mode_buys_nothing(module_runner, stubbed):
    result = run(module_runner, check_mode=True, csr=CSR)
    assert result["changed"] is True and result["renewal_reason"] == "no current certificate"
    assert result["certificate"] is None


def test_revoke_sends_colon_hex_and_already_revoked_is_unchanged(module_runner, stubbed):
    expected = {"CertificateAuthorityArn": CA_ARN, "CertificateSerial": "0a:bc:de",
                "RevocationReason": "KEY_COMPROMISE"}
    stubbed.add_response("revoke_certificate", {}, expected)
    first = run(module_runner, state="revoked", serial="abcde", revocation_reason="KEY_COMPROMISE")
    stubbed.add_client_error("revoke_certificate", "RequestAlreadyProcessedException", "already revoked",
                             expected_params=expected)
    second = run(module_runner, state="revoked", serial="0a:bc:de", revocation_reason="KEY_COMPROMISE")
    assert first["changed"] is True and second["changed"] is False and second["serial"] == "0abcde"


def test_template_short_names_and_profiles():
    arn = acmpca.template_arn("SubordinateCACertificate_PathLen0/V1", CA_ARN)
    assert arn == "arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen0/V1"
    assert acmpca.profile_of_template(arn) == "subordinate_ca"
    assert acmpca.profile_of_template(acmpca.template_arn("EndEntityServerAuthCertificate_CSRPassthrough", CA_ARN)) == "server"
    assert acmpca.profile_of_template(acmpca.template_arn("BlankEndEntityCertificate_APICSRPassthrough", CA_ARN)) is None
    assert acmpca.template_arn("EndEntityCertificate", "arn:aws-us-gov:acm-pca:x:1:ca/1").startswith("arn:aws-us-gov:")


@pytest.mark.parametrize("validity, end", [
    ({"Type": "DAYS", "Value": 10}, datetime.datetime(2026, 3, 11, tzinfo=datetime.timezone.utc)),
    ({"Type": "MONTHS", "Value": 1}, datetime.datetime(2026, 4, 1, tzinfo=datetime.timezone.utc)),
    ({"Type": "YEARS", "Value": 2}, datetime.datetime(2028, 3, 1, tzinfo=datetime.timezone.utc)),
    ({"Type": "END_DATE", "Value": 20300101000000}, datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)),
])
def test_validity_end(validity, end):
    assert acmpca.validity_end(validity, datetime.datetime(2026, 3, 1, tzinfo=datetime.timezone.utc)) == end


def test_a_batch_describes_the_ca_once_retries_throttling_per_request_and_fails_only_the_refused_one(
        module_runner, stubbed):
    tokens = []
    stubbed.client.meta.events.register("before-parameter-build.acm-pca.IssueCertificate",
                                        lambda params, **kwargs: tokens.append(params["IdempotencyToken"]))
    stubbed.add_response("describe_certificate_authority", authority(), {"CertificateAuthorityArn": CA_ARN})
    stubbed.add_response("issue_certificate", {"CertificateArn": CERT_ARN})
    expect_fetch(stubbed)
    stubbed.add_client_error("issue_certificate", "ThrottlingException", "Rate exceeded")
    stubbed.add_response("issue_certificate", {"CertificateArn": CERT_ARN})
    expect_fetch(stubbed)
    names = dict(common_name="web", subject_alt_names=["DNS:web.example.internal"])
    result = run(module_runner, max_concurrency=1, requests=[
        dict(names, csr=CSR, requester="web-1/web", replaces="0a"),
        dict(csr=CSR, requester="web-2/web", common_name="login", subject_alt_names=["DNS:login.example.internal"]),
        dict(names, csr=CSR, requester="web-3/web", replaces="0b"),
    ])
    first, refused, third = result["certificates"]
    assert result["changed"] and not result.get("failed")
    assert first["requester"] == "web-1/web" and first["certificate"] == to_pem(LEAF) and first["certificate_arn"] == CERT_ARN
    assert refused["failed"] and refused["msg"].startswith("web-2/web: ") and "certificate" not in refused
    assert third["requester"] == "web-3/web" and third["certificate"] == to_pem(LEAF)
    # Two purchases, each with its own token (the throttled one retried with the same token).
    assert len(tokens) == 3 and tokens[1] == tokens[2] != tokens[0]


def test_a_batch_with_nothing_due_calls_nothing(module_runner, stubbed):
    names = dict(common_name="web", subject_alt_names=["DNS:web.example.internal"])
    result = run(module_runner, ca_certificate=to_pem(CA_CERT), template_arn="EndEntityServerAuthCertificate", requests=[
        dict(names, csr=CSR, requester="web-%d/web" % index, current_certificate=to_pem(LEAF)) for index in range(3)])
    assert result["changed"] is False and [entry["serial"] for entry in result["certificates"]] == ["%x" % LEAF.serial_number] * 3


def test_issue_rate_paces_calls_across_threads():
    limiter = acmpca.RateLimiter(50)
    started = __import__("time").monotonic()
    for _call in range(11):
        limiter.wait()
    assert __import__("time").monotonic() - started >= 0.19  # 10 intervals of 20 ms after the first call
