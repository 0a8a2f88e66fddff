# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificate profiles: which X.509 extensions each kind of certificate carries, with
the criticality RFC 5280 and the CA/Browser Forum baseline expect."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError

try:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID
except ImportError:
    pass  # the modules report the missing library with missing_required_lib

CA_PROFILES = ("root_ca", "subordinate_ca")
LEAF_PROFILES = ("server", "client", "server_client", "code_signing")
PROFILES = LEAF_PROFILES + CA_PROFILES


def _extended_key_usages():
    """Profile -> extendedKeyUsage OIDs (a function: cryptography may be missing at import)."""
    return {
        "server": frozenset([ExtendedKeyUsageOID.SERVER_AUTH]),
        "client": frozenset([ExtendedKeyUsageOID.CLIENT_AUTH]),
        "server_client": frozenset([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
        "code_signing": frozenset([ExtendedKeyUsageOID.CODE_SIGNING]),
    }


class ProfileError(CertfleetError):
    pass


def _key_usage(profile, subject_public_key):
    ca = profile in CA_PROFILES
    # RSA key exchange (TLS 1.2 RSA kx) needs keyEncipherment; EC keys never encipher.
    encipher = profile in ("server", "server_client") and isinstance(subject_public_key, rsa.RSAPublicKey)
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=encipher,
        data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
        encipher_only=False, decipher_only=False)


def authority_key_identifier(issuer_certificate, issuer_public_key):
    """The AKI of a certificate signed by ``issuer_certificate``: its SKI copied as it is
    (RFC 5280 4.2.1.1), whatever method the CA used to compute it (RFC 7093 ones included).
    Computed from the key only for a self-signed root or an issuer without an SKI."""
    if issuer_certificate is not None:
        try:
            identifier = issuer_certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
            return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(identifier)
        except x509.ExtensionNotFound:
            pass
    return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public_key)


def extensions_for(profile, subject_public_key, authority_key_id, subject_alt_names, empty_subject=False,
                   path_length=None, crl_distribution_points=None, ocsp_url=None, ca_issuers_url=None):
    """(extension, critical) pairs for ``profile``; ``authority_key_id`` from authority_key_identifier."""
    if profile not in PROFILES:
        raise ProfileError("unknown profile %r (choose from %s)" % (profile, ", ".join(PROFILES)))
    if path_length is not None and profile not in CA_PROFILES:
        raise ProfileError("path_length applies to the CA profiles only, not to %s" % profile)
    if profile in ("server", "server_client") and not subject_alt_names:
        raise ProfileError("a %s certificate needs at least one subject alternative name "
                           "(clients ignore the common name)" % profile)

    ca = profile in CA_PROFILES
    extensions = [
        (x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), True),
        (_key_usage(profile, subject_public_key), True),
        (x509.SubjectKeyIdentifier.from_public_key(subject_public_key), False),
        (authority_key_id, False),
    ]
    usages = _extended_key_usages().get(profile)
    if usages:
        extensions.append((x509.ExtendedKeyUsage(sorted(usages, key=lambda oid: oid.dotted_string)), False))
    if subject_alt_names:
        # RFC 5280 4.2.1.6: with an empty subject the SANs are the identity, and critical.
        extensions.append((x509.SubjectAlternativeName(subject_alt_names), empty_subject))
    if crl_distribution_points:
        points = [x509.DistributionPoint(full_name=[x509.UniformResourceIdentifier(url)], relative_name=None,
                                         reasons=None, crl_issuer=None) for url in crl_distribution_points]
        extensions.append((x509.CRLDistributionPoints(points), False))
    access = []
    if ocsp_url:
        access.append(x509.AccessDescription(x509.AuthorityInformationAccessOID.OCSP,
                                             x509.UniformResourceIdentifier(ocsp_url)))
    if ca_issuers_url:
        access.append(x509.AccessDescription(x509.AuthorityInformationAccessOID.CA_ISSUERS,
                                             x509.UniformResourceIdentifier(ca_issuers_url)))
    if access:
        extensions.append((x509.AuthorityInformationAccess(access), False))
    return extensions


def profile_of(certificate):
    """The profile a certificate was issued with, read back from its extensions (or None)."""
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return None
    if constraints.ca:
        return "root_ca" if certificate.issuer == certificate.subject else "subordinate_ca"
    try:
        usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return None
    for profile, wanted in _extended_key_usages().items():
        if frozenset(usages) == wanted:
            return profile
    return None
