# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading X.509 inputs (PEM content or a path), names and SANs in the notation users
write, and the facts modules return about a certificate."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import ipaddress
import os
import re

from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.x509.oid import NameOID
except ImportError:
    pass  # the modules report the missing library with missing_required_lib

PEM_MARKER = "-----BEGIN "
CSR_MARKER = "-----BEGIN CERTIFICATE REQUEST-----"
# A CSR is a key and a few names: ACM Private CA takes at most 32 KiB, and so does every issuer.
MAX_CSR_BYTES = 32768
_PEM_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)

# Subject keys as community.crypto's openssl_csr accepts them (short and long forms).
_NAME_ATTRIBUTES = {
    "CN": "COMMON_NAME", "commonName": "COMMON_NAME",
    "O": "ORGANIZATION_NAME", "organizationName": "ORGANIZATION_NAME",
    "OU": "ORGANIZATIONAL_UNIT_NAME", "organizationalUnitName": "ORGANIZATIONAL_UNIT_NAME",
    "C": "COUNTRY_NAME", "countryName": "COUNTRY_NAME",
    "ST": "STATE_OR_PROVINCE_NAME", "stateOrProvinceName": "STATE_OR_PROVINCE_NAME",
    "L": "LOCALITY_NAME", "localityName": "LOCALITY_NAME",
    "emailAddress": "EMAIL_ADDRESS", "serialNumber": "SERIAL_NUMBER",
}


class InputError(CertfleetError):
    """An input cannot be read or parsed; the message names which."""


def read_pem_input(value, what):
    """The PEM text of an option that takes PEM content or a path to a PEM file."""
    if value is None:
        return None
    if PEM_MARKER in value:
        return value
    if not os.path.isfile(value):
        raise InputError("%s is neither PEM content nor an existing file: %s" % (what, value))
    with open(value) as handle:
        text = handle.read()
    if PEM_MARKER not in text:
        raise InputError("%s file %s holds no PEM data" % (what, value))
    return text


def load_certificates(value, what):
    """Every certificate in a PEM input, in order (empty list for None)."""
    text = read_pem_input(value, what)
    if text is None:
        return []
    # One block at a time: x509.load_pem_x509_certificates needs cryptography 39, and hosts
    # run their distribution's (Debian 12: 38, RHEL 9: 36).
    blocks = _PEM_CERTIFICATE.findall(text)
    if not blocks:
        raise InputError("%s does not parse as PEM certificates: no CERTIFICATE block" % what)
    try:
        return [x509.load_pem_x509_certificate(block.encode()) for block in blocks]
    except ValueError as error:
        raise InputError("%s does not parse as PEM certificates: %s" % (what, error))


def load_certificate(value, what):
    certificates = load_certificates(value, what)
    if len(certificates) != 1:
        raise InputError("%s must hold exactly one certificate, found %d" % (what, len(certificates)))
    return certificates[0]


def load_csr(value, what="csr"):
    """A CSR from PEM content, never from a path: a host's CSR is data, and the issuer must not
    open a file it names. (An operator's own file is read with read_pem_input first.)"""
    text = value if isinstance(value, str) else ""
    if CSR_MARKER not in text:
        raise InputError("%s must be PEM content starting with %s (a file path is not read)" % (what, CSR_MARKER))
    if len(text.encode()) > MAX_CSR_BYTES:
        raise InputError("%s is %d bytes, more than the %d a certificate signing request may take"
                         % (what, len(text.encode()), MAX_CSR_BYTES))
    try:
        csr = x509.load_pem_x509_csr(text.encode())
    except ValueError as error:
        raise InputError("%s does not parse as a PEM certificate signing request: %s" % (what, error))
    if not csr.is_signature_valid:
        raise InputError("%s has an invalid signature: it was not signed by the key it holds" % what)
    return csr


def to_pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def public_key_pem(public_key):
    return public_key.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def same_public_key(left, right):
    encoding, form = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return left.public_bytes(encoding, form) == right.public_bytes(encoding, form)


def parse_subject(subject):
    """An x509.Name from a dict such as {CN: Example Root, O: Example}."""
    attributes = []
    for key, value in (subject or {}).items():
        if key not in _NAME_ATTRIBUTES:
            raise InputError("unknown subject attribute %r (use one of %s)"
                             % (key, ", ".join(sorted(_NAME_ATTRIBUTES))))
        attributes.append(x509.NameAttribute(getattr(NameOID, _NAME_ATTRIBUTES[key]), str(value)))
    return x509.Name(attributes)


def parse_general_name(text):
    """'DNS:www.example.com', 'IP:10.0.0.5', 'URI:spiffe://x', 'email:a@b' -> GeneralName."""
    kind, sep, value = text.partition(":")
    kind = kind.strip().upper()
    if not sep or not value:
        raise InputError("subject alternative name %r must look like DNS:name, IP:address, URI:uri or email:address"
                         % text)
    if kind == "DNS":
        return x509.DNSName(value)
    if kind in ("IP", "IP ADDRESS"):
        try:
            return x509.IPAddress(ipaddress.ip_address(value))
        except ValueError:
            raise InputError("subject alternative name %r: %r is not an IP address" % (text, value))
    if kind == "URI":
        return x509.UniformResourceIdentifier(value)
    if kind == "EMAIL":
        return x509.RFC822Name(value)
    raise InputError("subject alternative name %r: unsupported type %r (DNS, IP, URI, email)" % (text, kind))


def format_general_name(name):
    if isinstance(name, x509.DNSName):
        return "DNS:" + name.value
    if isinstance(name, x509.IPAddress):
        return "IP:" + str(name.value)
    if isinstance(name, x509.UniformResourceIdentifier):
        return "URI:" + name.value
    if isinstance(name, x509.RFC822Name):
        return "email:" + name.value
    return "%s:%s" % (type(name).__name__, name.value)


def subject_alt_names_of(certificate_or_csr):
    try:
        extension = certificate_or_csr.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return list(extension.value)


def not_valid_before(certificate):
    """notBefore as an aware UTC datetime (the *_utc properties need cryptography 42)."""
    value = getattr(certificate, "not_valid_before_utc", None)
    return value if value is not None else certificate.not_valid_before.replace(tzinfo=datetime.timezone.utc)


def not_valid_after(certificate):
    """notAfter as an aware UTC datetime (the *_utc properties need cryptography 42)."""
    value = getattr(certificate, "not_valid_after_utc", None)
    return value if value is not None else certificate.not_valid_after.replace(tzinfo=datetime.timezone.utc)


def certificate_facts(certificate):
    """serial (hex), validity and SHA-256 fingerprint, as every issuing module returns them."""
    return {
        "serial": "%x" % certificate.serial_number,
        "not_before": not_valid_before(certificate).isoformat(),
        "not_after": not_valid_after(certificate).isoformat(),
        "fingerprint_sha256": certificate.fingerprint(hashes.SHA256()).hex(),
    }


def certificate_summary(certificate):
    """subject, SHA-256 fingerprint and expiry: how modules list the certificates they manage."""
    facts = certificate_facts(certificate)
    return dict(subject=certificate.subject.rfc4514_string(), fingerprint_sha256=facts["fingerprint_sha256"],
                not_after=facts["not_after"])


def order_upwards(certificate, others):
    """``certificate`` followed by its issuers found among ``others``, root last; whatever
    does not chain up is appended in the order given."""
    ordered, remaining = [certificate], list(others)
    while remaining:
        issuer = next((c for c in remaining if c.subject == ordered[-1].issuer and c != ordered[-1]), None)
        if issuer is None:
            break
        ordered.append(issuer)
        remaining.remove(issuer)
    return ordered + remaining


def is_self_signed(certificate):
    """A root: signed with its own key (a trust anchor the client has, not part of what a server sends)."""
    return directly_issued_by(certificate, certificate)


def directly_issued_by(certificate, issuer):
    """Whether ``issuer`` signed ``certificate`` (name and signature). Works without
    Certificate.verify_directly_issued_by, which hosts' cryptography (< 40) lacks."""
    if certificate.issuer != issuer.subject:
        return False
    public_key = issuer.public_key()
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(certificate.signature, certificate.tbs_certificate_bytes,
                              ec.ECDSA(certificate.signature_hash_algorithm))
        elif isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(certificate.signature, certificate.tbs_certificate_bytes, padding.PKCS1v15(),
                              certificate.signature_hash_algorithm)
        else:
            return False
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
