import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from ansible_collections.certfleet.pki.plugins.module_utils._certificate_builder import (
    IssuanceError,
    build_certificate,
    validity_window,
)
from ansible_collections.certfleet.pki.plugins.module_utils._certificate_profiles import ProfileError, profile_of
from ansible_collections.certfleet.pki.plugins.module_utils._signers import SoftwareSigner
from helpers.software_ca import name

NOW = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture(scope="module", params=["ec384", "rsa2048"])
def ca(request):
    key = ec.generate_private_key(ec.SECP384R1()) if request.param == "ec384" else rsa.generate_private_key(65537, 2048)
    signer = SoftwareSigner(key)
    certificate, _clamped = build_certificate(signer, "root_ca", name("Root"), key.public_key(), validity_days=365, now=NOW)
    return signer, certificate


def subject_key():
    return ec.generate_private_key(ec.SECP256R1()).public_key()


@pytest.mark.parametrize("profile, usages", [
    ("server", [ExtendedKeyUsageOID.SERVER_AUTH]),
    ("client", [ExtendedKeyUsageOID.CLIENT_AUTH]),
    ("server_client", [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
    ("code_signing", [ExtendedKeyUsageOID.CODE_SIGNING]),
])
def test_leaf_profiles(ca, profile, usages):
    signer, ca_certificate = ca
    certificate, _clamped = build_certificate(signer, profile, name("leaf"), subject_key(), ca_certificate,
                                              [x509.DNSName("leaf.example")], validity_days=30, now=NOW)
    extensions = certificate.extensions
    assert extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert extensions.get_extension_for_class(x509.KeyUsage).critical
    assert set(extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == set(usages)
    aki = extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    ski = ca_certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    assert aki == ski
    assert profile_of(certificate) == profile
    certificate.verify_directly_issued_by(ca_certificate)


def test_signature_hash_follows_the_ca_key(ca):
    signer, ca_certificate = ca
    certificate, _clamped = build_certificate(signer, "client", name("c"), subject_key(), ca_certificate, now=NOW)
    expected = "sha384" if isinstance(signer.public_key, ec.EllipticCurvePublicKey) else "sha256"
    assert certificate.signature_hash_algorithm.name == expected


def test_subordinate_path_length_and_profile(ca):
    signer, ca_certificate = ca
    certificate, _clamped = build_certificate(signer, "subordinate_ca", name("Sub"), subject_key(), ca_certificate,
                                              path_length=1, now=NOW)
    constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.path_length == 1
    assert profile_of(certificate) == "subordinate_ca"


def test_server_needs_a_san(ca):
    with pytest.raises(ProfileError, match="needs at least one subject alternative name"):
        build_certificate(ca[0], "server", name("x"), subject_key(), ca[1], now=NOW)


def test_path_length_only_for_ca_profiles(ca):
    with pytest.raises(ProfileError, match="path_length applies to the CA profiles only"):
        build_certificate(ca[0], "client", name("x"), subject_key(), ca[1], path_length=0, now=NOW)


def test_wrong_signing_key_is_refused(ca):
    stranger = SoftwareSigner(ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(IssuanceError, match="does not match the CA certificate's public key"):
        build_certificate(stranger, "client", name("x"), subject_key(), ca[1], now=NOW)


def test_validity_clamped_or_refused(ca):
    not_before, not_after, clamped = validity_window(1000, ca[1], True, now=NOW)
    assert clamped and not_after == ca[1].not_valid_after_utc and not_before < NOW
    with pytest.raises(IssuanceError, match="would outlive the CA certificate"):
        validity_window(1000, ca[1], False, now=NOW)


def test_serials_are_random_159_bit(ca):
    serials = {build_certificate(ca[0], "client", name("s"), subject_key(), ca[1], now=NOW)[0].serial_number
               for _index in range(20)}
    assert len(serials) == 20 and all(0 < serial < 2 ** 159 for serial in serials)


def test_unsupported_ca_key_algorithm_is_named():
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from ansible_collections.certfleet.pki.plugins.module_utils._signers import SignerError
    with pytest.raises(SignerError, match="unsupported CA key algorithm: Ed25519PublicKey"):
        SoftwareSigner(ed25519.Ed25519PrivateKey.generate())


def test_leaf_aki_is_the_issuers_ski_even_when_computed_another_way(tmp_path):
    """A CA whose SKI is RFC 7093 method 1 (SHA-256 of the key, leftmost 160 bits): the AKI
    of what it issues must copy that SKI, or `openssl verify` finds no issuer."""
    import hashlib
    import subprocess
    from cryptography.hazmat.primitives import hashes, serialization

    ca_key = ec.generate_private_key(ec.SECP256R1())
    key_bits = ca_key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    rfc7093_ski = hashlib.sha256(key_bits).digest()[:20]
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_certificate = (x509.CertificateBuilder().subject_name(name("RFC 7093 CA")).issuer_name(name("RFC 7093 CA"))
                      .public_key(ca_key.public_key()).serial_number(1)
                      .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
                      .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                      .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
                      .add_extension(x509.SubjectKeyIdentifier(rfc7093_ski), critical=False)
                      .sign(ca_key, hashes.SHA256()))
    leaf, _clamped = build_certificate(SoftwareSigner(ca_key), "server", name("leaf"), subject_key(), ca_certificate,
                                       [x509.DNSName("leaf.example.internal")], validity_days=7)
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == rfc7093_ski
    (tmp_path / "ca.pem").write_bytes(ca_certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    verify = subprocess.run(["openssl", "verify", "-CAfile", str(tmp_path / "ca.pem"), str(tmp_path / "leaf.pem")],
                            capture_output=True, text=True, check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr
