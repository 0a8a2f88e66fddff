"""The issuer never trusts the host's CSR (names come from the declaration, the issuer's
policy is enforced before any signature or API call), and ACM PCA requests follow the
botocore model (validity, ValidityNotBefore, passthrough templates, idempotency tokens)."""

import pytest
from botocore.stub import ANY
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import to_pem
from ansible_collections.certfleet.pki.plugins.modules import acmpca_certificate, pkcs11_certificate
# stubbed (fixture): a Stubber with no response queued fails the test on any AWS request.
from helpers.acmpca import CA_ARN, CSR, LEAF, authority, expect_fetch, run, stub_acmpca


def csr_for(common_name, sans):
    key = ec.generate_private_key(ec.SECP256R1())
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in sans]), critical=False)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()


# The declaration: web-1 gets web-1.example.internal and www.example.internal.
DECLARED = dict(common_name="web-1.example.internal",
                subject_alt_names=["DNS:web-1.example.internal", "DNS:www.example.internal"],
                requester="web-1/www")
HONEST = csr_for("web-1.example.internal", ["web-1.example.internal", "www.example.internal"])
EXTRA_SAN = csr_for("web-1.example.internal", ["web-1.example.internal", "www.example.internal", "login.corp.internal"])
OTHER_CN = csr_for("login.corp.internal", ["web-1.example.internal", "www.example.internal"])


@pytest.mark.parametrize("csr, refused", [(EXTRA_SAN, "DNS:login.corp.internal"), (OTHER_CN, "'login.corp.internal'")])
def test_acmpca_refuses_a_csr_naming_more_than_the_declaration_before_any_call(module_runner, stubbed, csr, refused):
    result = run(module_runner, csr=csr, **DECLARED)
    assert result.get("failed"), result
    assert result["msg"].startswith("web-1/www: ") and refused in result["msg"] and "nothing was signed" in result["msg"]


@pytest.mark.parametrize("csr, refused", [(EXTRA_SAN, "DNS:login.corp.internal"), (OTHER_CN, "'login.corp.internal'")])
def test_pkcs11_refuses_a_tampered_csr_before_the_token_is_opened(module_runner, csr, refused):
    # A library that does not exist: had the module opened the token, the error would say so.
    result = module_runner(pkcs11_certificate, dict(
        pkcs11_module="/nonexistent/libpkcs11.so", token_label="t", key_label="k", pin="unused-test-pin",
        ca_certificate=to_pem(LEAF), csr=csr, **DECLARED))
    assert result.get("failed") and refused in result["msg"] and result["msg"].startswith("web-1/www: "), result


def test_pkcs11_with_the_declared_names_goes_on_to_the_token(module_runner):
    result = module_runner(pkcs11_certificate, dict(
        pkcs11_module="/nonexistent/libpkcs11.so", token_label="t", key_label="k", pin="unused-test-pin",
        ca_certificate=to_pem(LEAF), csr=HONEST, **DECLARED))
    assert "PKCS#11 library not found" in result["msg"]


@pytest.mark.parametrize("policy, refused", [
    (dict(allowed_names=["*.web.corp.internal"]), "DNS:web-1.example.internal is not allowed by the issuer"),
    (dict(allowed_names=["*.example.internal", "10.0.0.0/8"], max_validity_days=30), "exceeds the issuer's max_validity_days of 30"),
    (dict(allowed_profiles=["client"]), "profile server is not allowed by the issuer"),
])
def test_issuer_policy_is_enforced_before_any_signature(module_runner, policy, refused):
    result = module_runner(pkcs11_certificate, dict(
        pkcs11_module="/nonexistent/libpkcs11.so", token_label="t", key_label="k", pin="unused-test-pin",
        ca_certificate=to_pem(LEAF), csr=HONEST, validity_days=90, **dict(DECLARED, **policy)))
    assert result.get("failed") and refused in result["msg"], result


def test_acmpca_policy_refusal_makes_no_call(module_runner, stubbed):
    result = run(module_runner, csr=HONEST, allowed_names=["*.web.corp.internal"], **DECLARED)
    assert result.get("failed") and "DNS:web-1.example.internal is not allowed" in result["msg"]


def test_validity_days_zero_is_refused_not_turned_into_365(module_runner, stubbed):
    result = run(module_runner, csr=CSR, validity_days=0)
    assert result.get("failed") and "at least 1" in result["msg"], result


def test_validity_not_before_takes_the_absolute_type_only(module_runner, stubbed):
    result = run(module_runner, csr=CSR, validity_not_before={"type": "DAYS", "value": 3})
    assert result.get("failed") and "ABSOLUTE" in result["msg"], result


def test_csr_passthrough_template_does_not_take_api_passthrough(module_runner, stubbed):
    result = run(module_runner, csr=CSR, template_arn="EndEntityServerAuthCertificate_CSRPassthrough",
                 api_passthrough={"Subject": {"CommonName": "x"}})
    assert result.get("failed") and "only honoured by" in result["msg"], result


def issue_token(monkeypatch, module_runner, **args):
    """The IdempotencyToken an issuance sends."""
    stubber = stub_acmpca(monkeypatch, acmpca_certificate, retries=2)
    sent = {}

    def capture(request, **_kwargs):
        if "IdempotencyToken" in request:
            sent["token"] = request["IdempotencyToken"]
    stubber.client.meta.events.register("provide-client-params.acm-pca.IssueCertificate",
                                        lambda params, **kw: capture(params))
    with stubber:
        stubber.add_response("describe_certificate_authority", authority(), {"CertificateAuthorityArn": CA_ARN})
        stubber.add_response("issue_certificate", {"CertificateArn": CA_ARN + "/certificate/0a"}, {
            "CertificateAuthorityArn": CA_ARN, "Csr": CSR.encode(), "SigningAlgorithm": "SHA256WITHECDSA",
            "TemplateArn": ANY, "Validity": ANY, "IdempotencyToken": ANY})
        result = run(module_runner, csr=CSR, wait=False, **args)
    assert result["changed"], result
    return sent["token"]


def test_a_forced_renewal_never_shares_the_token_of_the_request_it_replaces(monkeypatch, module_runner):
    first = issue_token(monkeypatch, module_runner)
    retried = issue_token(monkeypatch, module_runner)
    forced = issue_token(monkeypatch, module_runner, force=True, replaces="%x" % LEAF.serial_number)
    forced_from_current = issue_token(monkeypatch, module_runner, force=True, current_certificate=to_pem(LEAF))
    assert first == retried, "a retry of the same request must get what it paid for"
    assert forced != first and forced == forced_from_current


def test_an_honest_csr_with_the_declared_names_is_issued(module_runner, monkeypatch):
    """The honest CSR with its declared names is issued (one describe, one issue, the fetch)."""
    stubber = stub_acmpca(monkeypatch, acmpca_certificate, retries=2)
    with stubber:
        stubber.add_response("describe_certificate_authority", authority(), {"CertificateAuthorityArn": CA_ARN})
        stubber.add_response("issue_certificate", {"CertificateArn": CA_ARN + "/certificate/6f1e2d3c4b5a69788796a5b4c3d2e1f0"},
                             {"CertificateAuthorityArn": CA_ARN, "Csr": HONEST.encode(), "SigningAlgorithm": ANY,
                              "TemplateArn": ANY, "Validity": ANY, "IdempotencyToken": ANY})
        expect_fetch(stubber)
        result = run(module_runner, csr=HONEST, **DECLARED)
    assert result["changed"] and result["certificate"] == to_pem(LEAF)


# Issue 28, attack 4: revoke.yml used to revoke whatever serial a host reported. With the
# host's declared names, the revoked serial is that of a certificate the CA signed for exactly
# those names; a host reporting another host's certificate (or a forged one) revokes nothing.
def _leaf(common_name, sans, signer_key=None):
    from cryptography.x509.oid import NameOID as Oid
    from ansible_collections.certfleet.pki.plugins.module_utils._certificate_builder import build_certificate
    from ansible_collections.certfleet.pki.plugins.module_utils._signers import SoftwareSigner
    from helpers.acmpca import CA_CERT, CA_KEY
    issuer_key = signer_key or CA_KEY
    issuer = CA_CERT if signer_key is None else build_certificate(
        SoftwareSigner(signer_key), "root_ca", CA_CERT.subject, signer_key.public_key(), validity_days=30)[0]
    return build_certificate(SoftwareSigner(issuer_key), "server", x509.Name([x509.NameAttribute(Oid.COMMON_NAME, common_name)]),
                             ec.generate_private_key(ec.SECP256R1()).public_key(), issuer,
                             [x509.DNSName(n) for n in sans], validity_days=30)[0]


WEB1 = dict(common_name="web-1.example.internal", subject_alt_names=["DNS:web-1.example.internal"])


def _expect_ca_certificate(stubbed):
    from helpers.acmpca import CA_ARN, CA_CERT
    stubbed.add_response("get_certificate_authority_certificate", {"Certificate": to_pem(CA_CERT)},
                         {"CertificateAuthorityArn": CA_ARN})


def test_a_host_reporting_another_hosts_certificate_revokes_nothing(module_runner, stubbed):
    _expect_ca_certificate(stubbed)  # and no revoke_certificate: the Stubber fails the test on one
    others = _leaf("nginx-1.example.internal", ["nginx-1.example.internal"])
    result = run(module_runner, state="revoked", current_certificate=to_pem(others), revocation_reason="KEY_COMPROMISE",
                 **WEB1)
    assert result.get("failed") and "it is not this host's certificate, nothing was revoked" in result["msg"], result
    assert "nginx-1.example.internal" in result["msg"]


def test_a_certificate_the_ca_did_not_sign_revokes_nothing(module_runner, stubbed):
    _expect_ca_certificate(stubbed)
    forged = _leaf("web-1.example.internal", ["web-1.example.internal"], signer_key=ec.generate_private_key(ec.SECP256R1()))
    result = run(module_runner, state="revoked", current_certificate=to_pem(forged), **WEB1)
    assert result.get("failed") and "was not issued by CA" in result["msg"], result


def test_a_path_or_a_bare_serial_from_a_host_revokes_nothing(module_runner, stubbed, tmp_path):
    mine = tmp_path / "mine.pem"
    mine.write_text(to_pem(_leaf("web-1.example.internal", ["web-1.example.internal"])))
    result = run(module_runner, state="revoked", current_certificate=str(mine), **WEB1)
    assert result.get("failed") and "current_certificate must be PEM content" in result["msg"], result
    result = run(module_runner, state="revoked", current_certificate=mine.read_text(), serial="abcde", **WEB1)
    assert result.get("failed") and "serial cannot be given with the declared names" in result["msg"], result


def test_the_hosts_own_certificate_is_revoked(module_runner, stubbed):
    from helpers.acmpca import CA_ARN
    from ansible_collections.certfleet.pki.plugins.module_utils._acmpca import serial_for_api
    own = _leaf("web-1.example.internal", ["web-1.example.internal"])
    serial = "%x" % own.serial_number
    _expect_ca_certificate(stubbed)
    stubbed.add_response("revoke_certificate", {}, {"CertificateAuthorityArn": CA_ARN, "CertificateSerial": serial_for_api(serial),
                                                    "RevocationReason": "SUPERSEDED"})
    result = run(module_runner, state="revoked", current_certificate=to_pem(own), revocation_reason="SUPERSEDED", **WEB1)
    assert result["changed"] and result["serial"] == serial, result


# Issue 29, defect 1: ACM PCA's end-entity templates copy the CSR's subject (and requested
# extensions): a host must not get O=system:masters or an extension of its choice into a
# certificate. Every issuer refuses a CSR carrying anything the declaration does not name,
# before any call (the Stubber fails the test on one).
def csr_with(subject=(), extensions=(), challenge=False):
    from cryptography.x509.oid import AttributeOID
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.NameAttribute(NameOID.COMMON_NAME, "web-1.example.internal")] + list(subject)
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(names)).add_extension(
        x509.SubjectAlternativeName([x509.DNSName("web-1.example.internal"), x509.DNSName("www.example.internal")]),
        critical=False)
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    if challenge:
        builder = builder.add_attribute(AttributeOID.CHALLENGE_PASSWORD, b"let-me-in")
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()


UNDECLARED = [
    (csr_with(subject=[x509.NameAttribute(NameOID.ORGANIZATION_NAME, "system:masters")]), "O=system:masters"),
    (csr_with(subject=[x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "payments-admins")]), "OU=payments-admins"),
    (csr_with(extensions=[(x509.BasicConstraints(ca=True, path_length=None), True)]), "basicConstraints"),
    (csr_with(extensions=[(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CODE_SIGNING]), False)]),
     "extendedKeyUsage"),
    (csr_with(challenge=True), "challengePassword"),
]


@pytest.mark.parametrize("csr, named", UNDECLARED, ids=[named for _csr, named in UNDECLARED])
def test_acmpca_refuses_a_csr_carrying_anything_undeclared_before_any_call(module_runner, stubbed, csr, named):
    result = run(module_runner, csr=csr, **DECLARED)
    assert result.get("failed") and named in result["msg"] and "the declaration does not name" in result["msg"], result


@pytest.mark.parametrize("csr, named", UNDECLARED, ids=[named for _csr, named in UNDECLARED])
def test_pkcs11_refuses_a_csr_carrying_anything_undeclared_before_the_token_is_opened(module_runner, csr, named):
    result = module_runner(pkcs11_certificate, dict(
        pkcs11_module="/nonexistent/libpkcs11.so", token_label="t", key_label="k", pin="unused-test-pin",
        ca_certificate=to_pem(LEAF), csr=csr, **DECLARED))
    assert result.get("failed") and named in result["msg"] and "PKCS#11 library" not in result["msg"], result
