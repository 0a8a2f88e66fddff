"""The issuer contract, once, for every backend that signs a host's CSR (issue 29): PKCS#11 on a
SoftHSM2 token, KMS and ACM Private CA on a moto server, each run in this process through its
module's batch option (``requests``), as the certificate role runs it.

The promises: the certificate carries only what was declared (subject, names), a CSR carrying
anything else is refused before any signature or AWS call, naming its host; the profile decides
the key usages (for ACM PCA the template does, and the issuer policy judges the template's);
the validity stays inside the request and the CA's; one bad request of a batch fails alone.
A backend added later joins by one entry in BACKENDS and fails until it keeps every promise.

Where moto cannot show a promise (it ignores the requested validity and always signs for 365
days), the test asserts what was asked of ACM PCA, from the server's request recorder.
The other promises live where one test proves them for all backends: the preflight window
(tests/unit/plugins/filter/test_issuer_preflight.py), every revocation reason
(tests/unit/plugins/module_utils/test_crl.py), secrets in declarations
(tests/unit/plugins/filter/test_certificate_plan.py)."""

import datetime
import json

import boto3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ansible_collections.certfleet.pki.plugins.modules import (
    acmpca_certificate,
    kms_certificate,
    pkcs11_certificate,
    pkcs11_key,
)

KEY = {"type": "ec", "curve": "secp256r1"}


class Pkcs11Backend:
    name, profile_option = "pkcs11", "profile"

    def __init__(self, softhsm, module_runner, moto):  # pylint: disable=unused-argument
        self.softhsm, self.run = softhsm, module_runner
        assert self.run(pkcs11_key, softhsm.args("contract-ca", key_type="ec", curve="secp256r1"))["changed"]
        self.ca_pem = self.run(pkcs11_certificate, softhsm.args("contract-ca", profile="root_ca", validity_days=3650,
                                                                subject={"CN": "Contract Root"}))["certificate"]

    def sign(self, requests, **args):
        return self.run(pkcs11_certificate, self.softhsm.args("contract-ca", ca_certificate=self.ca_pem,
                                                              requests=requests, **args))

    def signatures(self):
        return None  # the token keeps no count; the results tell what was signed


class KmsBackend:
    name, profile_option = "kms", "certificate_profile"

    def __init__(self, softhsm, module_runner, moto):  # pylint: disable=unused-argument
        self.moto, self.run = moto, module_runner
        client = boto3.client("kms", region_name="eu-west-1", endpoint_url=moto.url,
                              aws_access_key_id="test", aws_secret_access_key="test")
        self.key_id = client.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]
        self.ca_pem = self.run(kms_certificate, self._aws(certificate_profile="root_ca", validity_days=3650,
                                                          subject={"CN": "Contract KMS Root"}))["certificate"]

    def _aws(self, **args):
        return dict(key_id=self.key_id, region="eu-west-1", endpoint_url=self.moto.url, access_key="test",
                    secret_key="test", **args)

    def sign(self, requests, **args):
        return self.run(kms_certificate, self._aws(ca_certificate=self.ca_pem, requests=requests, **args))

    def signatures(self):
        return self.moto.calls("Sign", "TrentService")


class AcmPcaBackend:
    name, profile_option = "acmpca", None  # the template decides the profile

    def __init__(self, softhsm, module_runner, moto):  # pylint: disable=unused-argument
        self.moto, self.run = moto, module_runner
        self.ca_arn = moto.active_root_ca()
        self.ca_pem = moto.client().get_certificate_authority_certificate(CertificateAuthorityArn=self.ca_arn)["Certificate"]

    def sign(self, requests, **args):
        return self.run(acmpca_certificate, dict(certificate_authority_arn=self.ca_arn, region="eu-west-1",
                                                 endpoint_url=self.moto.url, access_key="test", secret_key="test",
                                                 requests=requests, **args))

    def signatures(self):
        return self.moto.calls("IssueCertificate")


BACKENDS = [Pkcs11Backend, KmsBackend, AcmPcaBackend]


@pytest.fixture(scope="module", params=BACKENDS, ids=[backend.name for backend in BACKENDS])
def backend(request, softhsm, module_runner, moto):
    return request.param(softhsm, module_runner, moto)


def build_csr(common_name, sans, key=None, subject=(), extensions=(), repeat_san=False, tamper=False):
    key = key or ec.generate_private_key(ec.SECP256R1())
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)] + list(subject)))
    builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(name) for name in sans]), critical=False)
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    der = bytearray(builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))
    if repeat_san:
        der = bytearray(_repeat_san(bytes(der), key))
    if tamper:  # one bit of the signature's last byte: it no longer verifies
        der[-1] ^= 0x01
    return x509.load_der_x509_csr(bytes(der)).public_bytes(serialization.Encoding.PEM).decode()


def _repeat_san(der, key):
    from asn1crypto import csr as asn1_csr
    request = asn1_csr.CertificationRequest.load(der)
    info = request["certification_request_info"]
    extensions = info["attributes"][0]["values"][0]
    extensions.append(extensions[0].copy())
    info = asn1_csr.CertificationRequestInfo.load(info.dump(force=True))
    return asn1_csr.CertificationRequest({"certification_request_info": info,
                                          "signature_algorithm": request["signature_algorithm"],
                                          "signature": key.sign(info.dump(), ec.ECDSA(hashes.SHA256()))}).dump()


def request(host, **csr_options):
    name = "%s.contract.internal" % host
    return dict(csr=build_csr(name, [name], **csr_options), requester="%s/web" % host, common_name=name,
                subject_alt_names=["DNS:" + name], key=KEY, validity_days=30)


# host -> (what its CSR does, what the refusal names); "honest" is signed.
BATCH = {
    "honest": ({}, None),
    "extra-san": ({}, "asks for DNS:login.corp.internal, which the declaration does not name"),
    "organisation": (dict(subject=[x509.NameAttribute(NameOID.ORGANIZATION_NAME, "system:masters")]),
                     "carries O=system:masters, which the declaration does not name"),
    "unit": (dict(subject=[x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "payments-admins")]),
             "carries OU=payments-admins"),
    "ca-extension": (dict(extensions=[(x509.BasicConstraints(ca=True, path_length=None), True)]),
                     "carries extension basicConstraints"),
    "bad-signature": (dict(tamper=True), "invalid signature"),
    "weak-key": (dict(key=rsa.generate_private_key(public_exponent=65537, key_size=1024)),
                 "the CSR's key is RSA 1024, the declaration says EC secp256r1"),
    "duplicate-san": (dict(repeat_san=True), "cannot be signed: DuplicateExtension"),
}


def batch_requests():
    requests = []
    for host, (csr_options, _refusal) in BATCH.items():
        entry = request(host, **csr_options)
        if host == "extra-san":
            entry["csr"] = build_csr(entry["common_name"], [entry["common_name"], "login.corp.internal"])
        requests.append(entry)
    return requests


def test_only_what_was_declared_is_signed_and_each_bad_request_fails_alone(backend):
    before = backend.signatures()
    result = backend.sign(batch_requests())
    by_requester = dict((entry["requester"], entry) for entry in result["certificates"])
    for host, (_csr_options, refusal) in BATCH.items():
        entry = by_requester["%s/web" % host]
        if refusal is None:
            assert entry["changed"] and not entry.get("failed"), entry
            continue
        assert entry.get("failed") and entry["msg"].startswith("%s/web: " % host) and refusal in entry["msg"], entry
    honest = x509.load_pem_x509_certificate(by_requester["honest/web"]["certificate"].encode())
    assert honest.subject.rfc4514_string() == "CN=honest.contract.internal"
    names = honest.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["honest.contract.internal"]
    assert honest.issuer == x509.load_pem_x509_certificate(backend.ca_pem.encode()).subject
    if before is not None:  # nothing was signed or bought for a refused request
        assert backend.signatures() - before == 1


def test_the_profile_decides_the_key_usages(backend):
    client = request("client")
    if backend.profile_option is None:
        # ACM PCA: the template decides the profile, and the issuer policy judges the template's.
        result = backend.sign([dict(client, allowed_profiles=["client"])],
                              template_arn="EndEntityServerAuthCertificate/V1")
        (entry,) = result["certificates"]
        assert entry.get("failed") and "profile server is not allowed by the issuer" in entry["msg"], entry
        return
    (entry,) = backend.sign([dict(client, **{backend.profile_option: "client"})])["certificates"]
    certificate = x509.load_pem_x509_certificate(entry["certificate"].encode())
    assert list(certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.CLIENT_AUTH]
    assert not certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_the_validity_stays_inside_the_request_and_the_ca(backend):
    before = backend.signatures()
    short, too_long, beyond_ca = request("short"), request("too-long"), request("beyond-ca")
    too_long["validity_days"], beyond_ca["validity_days"] = 9126, 5000
    by_requester = dict((entry["requester"], entry) for entry in backend.sign([short, too_long, beyond_ca])["certificates"])
    assert "outside 1 to 9125 days" in by_requester["too-long/web"]["msg"]
    ca_end = x509.load_pem_x509_certificate(backend.ca_pem.encode()).not_valid_after_utc
    if backend.name == "acmpca":
        # moto signs for 365 days whatever it is asked: the request is what ACM PCA would honour.
        asked = [json.loads(json.dumps(body["Validity"])) for body in backend.moto.requests("IssueCertificate")[-1:]]
        assert asked == [{"Type": "DAYS", "Value": 30}]
        assert "after the CA certificate" in by_requester["beyond-ca/web"]["msg"], by_requester["beyond-ca/web"]
        assert backend.signatures() - before == 1
        return
    short_certificate = x509.load_pem_x509_certificate(by_requester["short/web"]["certificate"].encode())
    lifetime = short_certificate.not_valid_after_utc - short_certificate.not_valid_before_utc
    assert lifetime <= datetime.timedelta(days=30, hours=1)
    clamped = x509.load_pem_x509_certificate(by_requester["beyond-ca/web"]["certificate"].encode())
    assert by_requester["beyond-ca/web"]["validity_clamped"] and clamped.not_valid_after_utc <= ca_end
