"""What a compromised host sends the issuer is data, judged request by request (issue 28):
a CSR is PEM content only (never a path the controller would open), its key must be the
declared kind, and any error one request raises (a library's own exception included) fails
that request alone, naming its host; the rest of the batch is signed."""

import contextlib
from types import SimpleNamespace

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from ansible_collections.certfleet.pki.plugins.module_utils._ca_key_issuance import (
    ca_key_argument_spec,
    run_ca_key_issuance,
)
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import MAX_CSR_BYTES, to_pem
from helpers.software_ca import software_root


def _csr(common_name, key=None, san_extensions=1):
    """A CSR for ``common_name`` (also its SAN); ``san_extensions`` > 1 repeats the SAN
    extension, which cryptography refuses to read (DuplicateExtension)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
    san = x509.SubjectAlternativeName([x509.DNSName(common_name)])
    builder = builder.add_extension(san, critical=False)
    csr = builder.sign(key, hashes.SHA256())
    if san_extensions == 1:
        return csr.public_bytes(serialization.Encoding.PEM).decode()
    # The builder refuses a second SAN extension: add it to the DER by hand and re-sign.
    return _with_repeated_extension(common_name, key)


def _with_repeated_extension(common_name, key):
    from asn1crypto import csr as asn1_csr
    honest = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])).add_extension(
        x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False).sign(key, hashes.SHA256())
    request = asn1_csr.CertificationRequest.load(honest.public_bytes(serialization.Encoding.DER))
    info = request["certification_request_info"]
    extensions = info["attributes"][0]["values"][0]
    extensions.append(extensions[0].copy())
    info = asn1_csr.CertificationRequestInfo.load(info.dump(force=True))
    signature = key.sign(info.dump(), ec.ECDSA(hashes.SHA256()))
    tampered = asn1_csr.CertificationRequest({
        "certification_request_info": info, "signature_algorithm": request["signature_algorithm"],
        "signature": signature})
    der = tampered.dump()
    import base64
    body = base64.encodebytes(der).decode().replace("\n", "")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE REQUEST-----\n%s\n-----END CERTIFICATE REQUEST-----\n" % "\n".join(lines)


class SoftwareKeySource:
    """The key source interface of _ca_key_issuance, over a key in memory."""

    def __init__(self, signer):
        self._signer = signer
        self.opened = 0

    @contextlib.contextmanager
    def open(self):
        self.opened += 1
        yield self  # the session: anything but None

    def signer(self, session):  # pylint: disable=unused-argument
        return self._signer


CA = software_root("Hostile Test CA", validity_days=400)
DECLARED_KEY = {"type": "ec", "curve": "secp256r1", "size": None}


def _request(host, csr=None, **fields):
    name = "%s.example.internal" % host
    return dict(dict(csr=_csr(name) if csr is None else csr, requester="%s/web" % host, common_name=name,
                     subject_alt_names=["DNS:" + name], key=DECLARED_KEY, validity_days=30), **fields)


def sign_batch(requests):
    params = dict((name, spec.get("default")) for name, spec in ca_key_argument_spec().items())
    params.update(ca_certificate=to_pem(CA[1]), requests=requests)
    module = SimpleNamespace(params=params, check_mode=False)
    source = SoftwareKeySource(CA[0])
    return run_ca_key_issuance(module, source)["certificates"], source


def _by_requester(results):
    return dict((result["requester"], result) for result in results)


def test_a_csr_path_is_never_read_by_the_issuer(tmp_path):
    # A valid CSR for the declared name lies on the controller: a host that names its path
    # must not get it signed, and the issuer must not even look at the path.
    path = tmp_path / "somebody-elses.csr"
    path.write_text(_csr("evil.example.internal"))
    results, _source = sign_batch([_request("evil", csr=str(path)), _request("kmsg", csr="/proc/kmsg"),
                                   _request("honest")])
    by = _by_requester(results)
    for requester in ("evil/web", "kmsg/web"):
        assert by[requester]["failed"] and by[requester]["msg"].startswith(requester + ": csr must be PEM content")
        assert "a file path is not read" in by[requester]["msg"]
    assert by["honest/web"]["changed"] and not by["honest/web"].get("failed")


def test_an_oversized_csr_is_refused_before_parsing():
    padded = _csr("big.example.internal").replace("-----BEGIN", "X" * MAX_CSR_BYTES + "\n-----BEGIN")
    (result,), _source = sign_batch([_request("big", csr=padded)])
    assert result["failed"] and "more than the %d" % MAX_CSR_BYTES in result["msg"]


def test_a_library_error_on_one_csr_fails_that_host_alone():
    results, source = sign_batch([_request("dup", csr=_csr("dup.example.internal", san_extensions=2)),
                                  _request("honest-1"), _request("honest-2")])
    by = _by_requester(results)
    assert by["dup/web"]["failed"] and by["dup/web"]["msg"].startswith("dup/web: cannot be signed: DuplicateExtension")
    assert [by[host]["changed"] for host in ("honest-1/web", "honest-2/web")] == [True, True]
    assert source.opened == 1  # the others were still signed in the batch's one session


@pytest.mark.parametrize("days", [3000000, 0, 9126])
def test_a_lifetime_outside_what_any_issuer_signs_fails_that_request_alone(days):
    results, _source = sign_batch([_request("long", validity_days=days), _request("honest")])
    by = _by_requester(results)
    assert by["long/web"]["failed"] and "outside 1 to 9125 days" in by["long/web"]["msg"], by["long/web"]
    assert by["honest/web"]["changed"]


@pytest.mark.parametrize("key, declared, asked", [
    (rsa.generate_private_key(public_exponent=65537, key_size=1024), DECLARED_KEY, "RSA 1024"),
    (ec.generate_private_key(ec.SECP384R1()), DECLARED_KEY, "EC secp384r1"),
    (rsa.generate_private_key(public_exponent=65537, key_size=2048), {"type": "rsa", "size": 3072, "curve": None},
     "RSA 2048"),
])
def test_a_csr_key_other_than_the_declared_one_is_not_signed(key, declared, asked):
    results, _source = sign_batch([_request("weak", csr=_csr("weak.example.internal", key), key=declared),
                                   _request("honest")])
    by = _by_requester(results)
    assert by["weak/web"]["failed"] and "the CSR's key is %s, the declaration says" % asked in by["weak/web"]["msg"]
    assert "nothing was signed" in by["weak/web"]["msg"] and by["honest/web"]["changed"]
