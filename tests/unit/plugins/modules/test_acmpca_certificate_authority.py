"""acmpca_certificate_authority against botocore's Stubber (requests checked against the
real ACM PCA service model)."""

import pytest
from botocore.stub import ANY

from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import to_pem
from ansible_collections.certfleet.pki.plugins.modules import acmpca_certificate_authority as module_under_test
from helpers.acmpca import CA_CERT, CSR, LEAF, stubbed_module

CA_ARN = "arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
SUBJECT = {"CommonName": "Issuing CA", "Organization": "certfleet"}


def authority(status, ca_type="SUBORDINATE"):
    return {"CertificateAuthority": {
        "Arn": CA_ARN, "Status": status, "Type": ca_type,
        "CertificateAuthorityConfiguration": {"KeyAlgorithm": "EC_prime256v1", "SigningAlgorithm": "SHA256WITHECDSA",
                                              "Subject": SUBJECT}}}


@pytest.fixture
def stubbed(monkeypatch):
    yield from stubbed_module(monkeypatch, module_under_test, retries=3)


def run(module_runner, check_mode=False, **args):
    base = dict(region="eu-west-1", access_key="test", secret_key="test")
    return module_runner(module_under_test, dict(base, **args), check_mode=check_mode)


def expect_lookup(stubber, found_status=None):
    """ListCertificateAuthorities + ListTags finding (or not) the CA tagged Name=issuing."""
    listed = [authority(found_status)["CertificateAuthority"]] if found_status else []
    stubber.add_response("list_certificate_authorities", {"CertificateAuthorities": listed})
    if found_status:
        stubber.add_response("list_tags", {"Tags": [{"Key": "Name", "Value": "issuing"}]}, {"CertificateAuthorityArn": CA_ARN})


def test_create_subordinate_returns_its_csr(module_runner, stubbed):
    expect_lookup(stubbed)
    stubbed.add_response("create_certificate_authority", {"CertificateAuthorityArn": CA_ARN}, {
        "CertificateAuthorityConfiguration": {"KeyAlgorithm": "EC_prime256v1", "SigningAlgorithm": "SHA256WITHECDSA",
                                              "Subject": SUBJECT},
        "CertificateAuthorityType": "SUBORDINATE", "UsageMode": "GENERAL_PURPOSE",
        "Tags": [{"Key": "Name", "Value": "issuing"}], "IdempotencyToken": ANY})
    stubbed.add_response("get_certificate_authority_csr", {"Csr": CSR})           # waiter: CSR created
    stubbed.add_response("describe_certificate_authority", authority("PENDING_CERTIFICATE"))
    stubbed.add_response("describe_certificate_authority", authority("PENDING_CERTIFICATE"))
    stubbed.add_response("get_certificate_authority_csr", {"Csr": CSR}, {"CertificateAuthorityArn": CA_ARN})
    result = run(module_runner, name="issuing", subject=SUBJECT)
    assert result["changed"] is True and result["status"] == "PENDING_CERTIFICATE" and result["csr"] == CSR


def test_import_signed_certificate_activates(module_runner, stubbed):
    expect_lookup(stubbed, "PENDING_CERTIFICATE")
    stubbed.add_response("import_certificate_authority_certificate", {}, {
        "CertificateAuthorityArn": CA_ARN, "Certificate": to_pem(LEAF).encode(), "CertificateChain": to_pem(CA_CERT).encode()})
    stubbed.add_response("describe_certificate_authority", authority("ACTIVE"))
    result = run(module_runner, name="issuing", certificate=to_pem(LEAF), certificate_chain=to_pem(CA_CERT))
    assert result["changed"] is True and result["status"] == "ACTIVE"


def test_root_self_issues_with_the_root_template(module_runner, stubbed):
    stubbed.add_response("describe_certificate_authority", authority("PENDING_CERTIFICATE", "ROOT"),
                         {"CertificateAuthorityArn": CA_ARN})
    stubbed.add_response("get_certificate_authority_csr", {"Csr": CSR})
    stubbed.add_response("issue_certificate", {"CertificateArn": CA_ARN + "/certificate/1"}, {
        "CertificateAuthorityArn": CA_ARN, "Csr": CSR.encode(), "SigningAlgorithm": "SHA256WITHECDSA",
        "TemplateArn": "arn:aws:acm-pca:::template/RootCACertificate/V1", "Validity": {"Type": "YEARS", "Value": 10},
        "IdempotencyToken": ANY})
    stubbed.add_response("get_certificate", {"Certificate": to_pem(CA_CERT)})    # waiter
    stubbed.add_response("get_certificate", {"Certificate": to_pem(CA_CERT)})
    stubbed.add_response("import_certificate_authority_certificate", {}, {
        "CertificateAuthorityArn": CA_ARN, "Certificate": to_pem(CA_CERT).encode()})
    stubbed.add_response("describe_certificate_authority", authority("ACTIVE", "ROOT"))
    result = run(module_runner, certificate_authority_arn=CA_ARN, type="ROOT")
    assert result["changed"] is True and result["status"] == "ACTIVE"


def test_active_ca_is_left_alone(module_runner, stubbed):
    expect_lookup(stubbed, "ACTIVE")
    result = run(module_runner, name="issuing")
    assert result["changed"] is False and result["status"] == "ACTIVE"


def test_disable_and_check_mode(module_runner, stubbed):
    expect_lookup(stubbed, "ACTIVE")
    planned = run(module_runner, check_mode=True, name="issuing", state="disabled")
    assert planned["changed"] is True
    expect_lookup(stubbed, "ACTIVE")
    stubbed.add_response("update_certificate_authority", {}, {"CertificateAuthorityArn": CA_ARN, "Status": "DISABLED"})
    stubbed.add_response("describe_certificate_authority", authority("DISABLED"))
    assert run(module_runner, name="issuing", state="disabled")["status"] == "DISABLED"


def test_absent_disables_then_deletes_with_restore_window(module_runner, stubbed):
    expect_lookup(stubbed, "ACTIVE")
    stubbed.add_response("update_certificate_authority", {}, {"CertificateAuthorityArn": CA_ARN, "Status": "DISABLED"})
    stubbed.add_response("delete_certificate_authority", {}, {"CertificateAuthorityArn": CA_ARN,
                                                              "PermanentDeletionTimeInDays": 7})
    result = run(module_runner, name="issuing", state="absent", permanent_deletion_time_in_days=7)
    assert result["changed"] is True
    expect_lookup(stubbed)
    assert run(module_runner, name="issuing", state="absent")["changed"] is False


def test_creation_needs_a_subject(module_runner, stubbed):
    expect_lookup(stubbed)
    result = run(module_runner, name="issuing")
    assert result["failed"] and "creating a CA needs subject" in result["msg"]


def test_check_mode_creates_nothing(module_runner, stubbed):
    expect_lookup(stubbed)
    result = run(module_runner, check_mode=True, name="issuing", subject=SUBJECT)
    assert result["changed"] is True and result["certificate_authority_arn"] is None
