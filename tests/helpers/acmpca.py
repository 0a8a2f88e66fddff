"""ACM PCA for unit tests: a botocore Stubber on the client, wired into a module in place of
its real client (amazon.aws's retry wrapper kept, its sleeps removed), a CA, a host CSR and
a leaf certificate, and the requests acmpca_certificate is expected to make."""

import datetime

import boto3
import pytest
from botocore.stub import ANY, Stubber
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.amazon.aws.plugins.module_utils import cloud
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from ansible_collections.certfleet.pki.plugins.module_utils import _acmpca as acmpca
from ansible_collections.certfleet.pki.plugins.module_utils._certificate_builder import build_certificate
from ansible_collections.certfleet.pki.plugins.module_utils._signers import SoftwareSigner
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import to_pem
from ansible_collections.certfleet.pki.plugins.modules import acmpca_certificate


def stub_acmpca(monkeypatch, module, retries):
    client = boto3.client("acm-pca", region_name="eu-west-1", aws_access_key_id="test", aws_secret_access_key="test")
    monkeypatch.setattr(cloud.time, "sleep", lambda seconds: None)   # retries without waiting
    monkeypatch.setattr("time.sleep", lambda seconds: None)          # the waiters' delay
    wrapped = RetryingBotoClientWrapper(client, acmpca.AWSRetry.jittered_backoff(
        retries=retries, delay=1, catch_extra_error_codes=acmpca.RETRY_CODES))
    monkeypatch.setattr(module, "acmpca_client", lambda ansible_module: wrapped)
    return Stubber(client)


CA_ARN = "arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/11111111-2222-3333-4444-555555555555"
CERT_ARN = CA_ARN + "/certificate/6f1e2d3c4b5a69788796a5b4c3d2e1f0"
NOW = datetime.datetime.now(datetime.timezone.utc)

CA_KEY = ec.generate_private_key(ec.SECP256R1())
CA_CERT = build_certificate(SoftwareSigner(CA_KEY), "root_ca", x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "PCA")]),
                            CA_KEY.public_key(), validity_days=3650)[0]
HOST_KEY = ec.generate_private_key(ec.SECP256R1())
SANS = [x509.DNSName("web.example.internal")]
CSR = (x509.CertificateSigningRequestBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "web")]))
       .add_extension(x509.SubjectAlternativeName(SANS), critical=False).sign(HOST_KEY, hashes.SHA256())
       .public_bytes(serialization.Encoding.PEM).decode())
LEAF = build_certificate(SoftwareSigner(CA_KEY), "server", x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "web")]),
                         HOST_KEY.public_key(), CA_CERT, SANS, validity_days=90)[0]


def authority(status="ACTIVE", key="EC_prime256v1", not_after=NOW + datetime.timedelta(days=3650)):
    return {"CertificateAuthority": {
        "Arn": CA_ARN, "Status": status, "Type": "SUBORDINATE", "NotAfter": not_after,
        "CertificateAuthorityConfiguration": {"KeyAlgorithm": key, "SigningAlgorithm": "SHA256WITHECDSA",
                                              "Subject": {"CommonName": "PCA"}}}}


def stubbed_module(monkeypatch, module, retries):
    """For a fixture to ``yield from``: a Stubber wired into ``module``; every queued response
    must be used by the end of the test."""
    stubber = stub_acmpca(monkeypatch, module, retries)
    with stubber:
        yield stubber
    stubber.assert_no_pending_responses()


@pytest.fixture
def stubbed(monkeypatch):
    """acmpca_certificate's client, stubbed: an AWS request with no response queued fails the test."""
    yield from stubbed_module(monkeypatch, acmpca_certificate, retries=4)


def run(module_runner, check_mode=False, **args):
    base = dict(certificate_authority_arn=CA_ARN, region="eu-west-1", access_key="test", secret_key="test")
    return module_runner(acmpca_certificate, dict(base, **args), check_mode=check_mode)


def expect_issue(stubber, template="EndEntityCertificate", algorithm="SHA256WITHECDSA", validity=None):
    stubber.add_response("describe_certificate_authority", authority(), {"CertificateAuthorityArn": CA_ARN})
    stubber.add_response("issue_certificate", {"CertificateArn": CERT_ARN}, {
        "CertificateAuthorityArn": CA_ARN, "Csr": CSR.encode(), "SigningAlgorithm": algorithm,
        "TemplateArn": "arn:aws:acm-pca:::template/%s/V1" % template,
        # Without a validity the module asks for the collection's one default (_declaration_defaults).
        "Validity": validity or {"Type": "DAYS", "Value": 90}, "IdempotencyToken": ANY})


def expect_fetch(stubber, in_progress=0):
    for _attempt in range(in_progress):
        stubber.add_client_error("get_certificate", "RequestInProgressException", "still signing")
    expected = {"CertificateAuthorityArn": CA_ARN, "CertificateArn": CERT_ARN}
    for _call in range(2):  # the waiter's successful poll, then the read
        stubber.add_response("get_certificate", {"Certificate": to_pem(LEAF), "CertificateChain": to_pem(CA_CERT)}, expected)
