# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Builds a certificate from a request and a profile, and takes its signature from any
signer (see signers.py): cryptography lays out the TBSCertificate, the signer signs those
bytes wherever its key lives, and asn1crypto puts the two together."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

try:
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
except ImportError:
    pass  # the modules report the missing library with missing_required_lib

from ansible_collections.certfleet.pki.plugins.module_utils._certificate_profiles import (
    authority_key_identifier,
    extensions_for,
)
from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError
from ansible_collections.certfleet.pki.plugins.module_utils._signers import SignerError, key_description
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import (
    directly_issued_by,
    not_valid_after,
    same_public_key,
)

# Backdate notBefore a little so hosts whose clocks run slightly behind accept it at once.
CLOCK_SKEW = datetime.timedelta(minutes=5)

_layout_keys = {}


class IssuanceError(CertfleetError):
    pass


def layout_key(signer):
    """A throwaway key of the signer's algorithm: it only fixes the signatureAlgorithm
    field of the TBSCertificate (or TBSCertList); its own signature is discarded. Made once per process
    (an RSA-1024 layout key: the RSA signatureAlgorithm does not depend on key size)."""
    public_key = signer.public_key
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        cache_key = "ec-" + public_key.curve.name
        if cache_key not in _layout_keys:
            _layout_keys[cache_key] = ec.generate_private_key(public_key.curve)
    elif isinstance(public_key, rsa.RSAPublicKey):
        cache_key = "rsa"
        if cache_key not in _layout_keys:
            _layout_keys[cache_key] = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    else:
        raise SignerError("unsupported CA key algorithm: %s" % key_description(public_key))
    return _layout_keys[cache_key]


def validity_window(validity_days, issuer_certificate, clamp, now=None):
    """(not_before, not_after, clamped) for a new certificate, never outliving its issuer."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    not_before = now - CLOCK_SKEW
    not_after = now + datetime.timedelta(days=validity_days)
    if issuer_certificate is None:
        return not_before, not_after, False
    issuer_end = not_valid_after(issuer_certificate)
    if issuer_end <= now:
        raise IssuanceError("the CA certificate expired on %s" % issuer_end.isoformat())
    if not_after <= issuer_end:
        return not_before, not_after, False
    if not clamp:
        raise IssuanceError("a %d-day certificate would outlive the CA certificate (valid until %s); "
                            "shorten validity_days or allow validity_clamp" % (validity_days, issuer_end.isoformat()))
    return not_before, issuer_end, True


def _assemble(unsigned, signature):
    """The DER certificate with the layout signature replaced by the signer's."""
    layout = asn1_x509.Certificate.load(unsigned.public_bytes(serialization.Encoding.DER))
    certificate = asn1_x509.Certificate({
        "tbs_certificate": layout["tbs_certificate"],
        "signature_algorithm": layout["signature_algorithm"],
        "signature_value": signature,
    })
    return x509.load_der_x509_certificate(certificate.dump())


def build_certificate(signer, profile, subject, subject_public_key, issuer_certificate=None,
                      subject_alt_names=(), validity_days=365, validity_clamp=True, path_length=None,
                      crl_distribution_points=None, ocsp_url=None, ca_issuers_url=None, now=None):
    """Issue one certificate. ``issuer_certificate`` None means self-signed (root_ca).

    Returns (certificate, clamped). The result is verified against the issuer before it
    is returned, so a token key that does not match the CA certificate never yields a
    certificate.
    """
    if issuer_certificate is None:
        issuer_name, issuer_public_key = subject, signer.public_key
        if not same_public_key(subject_public_key, signer.public_key):
            raise IssuanceError("a self-signed certificate must carry the signing key's own public key")
    else:
        issuer_name, issuer_public_key = issuer_certificate.subject, issuer_certificate.public_key()
        if not same_public_key(issuer_public_key, signer.public_key):
            raise IssuanceError("the signing key (%s) does not match the CA certificate's public key (%s)"
                                % (key_description(signer.public_key), key_description(issuer_public_key)))
    not_before, not_after, clamped = validity_window(validity_days, issuer_certificate, validity_clamp, now)

    builder = (x509.CertificateBuilder()
               .subject_name(subject)
               .issuer_name(issuer_name)
               .public_key(subject_public_key)
               .serial_number(x509.random_serial_number())  # 159 random bits, positive
               .not_valid_before(not_before)
               .not_valid_after(not_after))
    for extension, critical in extensions_for(
            profile, subject_public_key, authority_key_identifier(issuer_certificate, issuer_public_key),
            list(subject_alt_names), len(subject) == 0, path_length,
            crl_distribution_points, ocsp_url, ca_issuers_url):
        builder = builder.add_extension(extension, critical=critical)

    unsigned = builder.sign(layout_key(signer), signer.hash_algorithm)
    certificate = _assemble(unsigned, signer.sign(unsigned.tbs_certificate_bytes))
    if not directly_issued_by(certificate, issuer_certificate or certificate):
        raise IssuanceError("the signature made by the signing key does not verify against the CA certificate")
    return certificate, clamped
