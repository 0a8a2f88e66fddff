# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificate revocation lists signed by any signer (see signers.py), the way certificates
are: cryptography lays out the TBSCertList, the signer signs it where its key lives, and
asn1crypto puts the two together. Also decides whether the current CRL still fits."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import re

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
except ImportError:
    pass  # the modules report the missing library with require_libraries

try:
    from asn1crypto import crl as asn1_crl  # only to sign (pkcs11_crl); hosts that install CRLs need not have it
except ImportError:
    pass

from ansible_collections.certfleet.pki.plugins.module_utils._certificate_builder import layout_key
from ansible_collections.certfleet.pki.plugins.module_utils._certificate_profiles import authority_key_identifier
from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError
from ansible_collections.certfleet.pki.plugins.module_utils._signers import key_description
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import read_pem_input, same_public_key


# RFC 5280 CRLReason names as ACM PCA's RevokeCertificate spells them (the ledger's too) ->
# cryptography's reason flags, by name: two differ from the lower-cased name.
_REASON_FLAGS = {"UNSPECIFIED": "unspecified", "KEY_COMPROMISE": "key_compromise",
                 "CERTIFICATE_AUTHORITY_COMPROMISE": "ca_compromise", "AFFILIATION_CHANGED": "affiliation_changed",
                 "SUPERSEDED": "superseded", "CESSATION_OF_OPERATION": "cessation_of_operation",
                 "PRIVILEGE_WITHDRAWN": "privilege_withdrawn", "A_A_COMPROMISE": "aa_compromise"}
_REASON_NAMES = dict((flag, name) for name, flag in _REASON_FLAGS.items())
REVOCATION_REASONS = tuple(_REASON_FLAGS)
_SERIAL = re.compile(r"^[0-9a-f]{1,40}\Z")


class CrlError(CertfleetError):
    pass


def normalized_serial(serial):
    """A serial as the ledger keys it: lower-case hex without separators or leading zeros."""
    text = str(serial).strip().lower().replace(":", "")
    if not _SERIAL.fullmatch(text):
        raise CrlError("serial %r is not a hexadecimal certificate serial number" % (serial,))
    return text.lstrip("0") or "0"


def _reason_flag(reason):
    return getattr(x509.ReasonFlags, _REASON_FLAGS[reason])


def parse_revoked(entries, now):
    """The revoked entries (ledger form: serial, reason, revoked_at, not_after) that belong
    on the CRL, as {serial int: (reason, revocation datetime or None when not given)}. A
    certificate that has expired leaves the CRL (RFC 5280 3.3: a CRL lists unexpired certificates)."""
    revoked = {}
    for index, entry in enumerate(entries):
        what = "revoked[%d]" % index
        if not isinstance(entry, dict) or "serial" not in entry:
            raise CrlError("%s must be a dict with serial, reason and revoked_at" % what)
        try:
            serial = int(normalized_serial(entry["serial"]), 16)
        except CertfleetError as error:
            raise CrlError("%s: %s" % (what, error))
        reason = entry.get("reason") or "UNSPECIFIED"
        if reason not in REVOCATION_REASONS:
            raise CrlError("%s: reason %r is not one of %s" % (what, reason, ", ".join(REVOCATION_REASONS)))
        revoked_at = _moment(entry.get("revoked_at"), "%s.revoked_at" % what, default=None)
        not_after = _moment(entry.get("not_after"), "%s.not_after" % what, default=None)
        if not_after is not None and not_after < now:
            continue
        revoked[serial] = (reason, revoked_at.replace(microsecond=0) if revoked_at else None)
    return revoked


def with_revocation_times(revoked, current, now):
    """``revoked`` with every missing time taken from the current CRL, or ``now`` for an
    entry it does not list yet: a list without times does not re-sign the CRL on every run."""
    listed = revoked_of(current) if current is not None else {}
    return dict((serial, (reason, revoked_at or listed.get(serial, (None, now))[1]))
                for serial, (reason, revoked_at) in revoked.items())


def _moment(value, field, default):
    if value in (None, ""):
        return default
    try:
        moment = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise CrlError("%s %r is not an ISO 8601 time" % (field, value))
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def load_crl(value, what="current_crl"):
    """A CRL from PEM content or a path; None for an empty value."""
    text = read_pem_input(value, what) if value else None
    if not text:
        return None
    try:
        return x509.load_pem_x509_crl(text.encode())
    except ValueError as error:
        raise CrlError("%s is not a PEM CRL: %s" % (what, error))


def _utc(obj, name):
    """``obj.<name>_utc``, or the naive ``obj.<name>`` as UTC (the *_utc properties need cryptography 42,
    and hosts may have their distribution's older one)."""
    value = getattr(obj, name + "_utc", None)
    if value is not None:
        return value
    naive = getattr(obj, name)
    return naive.replace(tzinfo=datetime.timezone.utc) if naive is not None else None


def next_update(crl):
    return _utc(crl, "next_update")


def crl_number(crl):
    try:
        return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        return None


def revoked_of(crl):
    """{serial: (reason, revocation datetime)} of a CRL, comparable with parse_revoked()."""
    listed = {}
    for entry in crl:
        try:
            flag = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.name
            reason = _REASON_NAMES.get(flag, flag.upper())
        except x509.ExtensionNotFound:
            reason = "UNSPECIFIED"
        listed[entry.serial_number] = (reason, _utc(entry, "revocation_date"))
    return listed


def crl_facts(crl):
    return {"crl_number": crl_number(crl), "this_update": _utc(crl, "last_update").isoformat(),
            "next_update": next_update(crl).isoformat() if next_update(crl) else None,
            "revoked_count": len(crl), "issuer": crl.issuer.rfc4514_string()}


def verifies(crl, ca_certificate):
    return crl.issuer == ca_certificate.subject and crl.is_signature_valid(ca_certificate.public_key())


def crl_renewal_reason(current, ca_certificate, revoked, refresh_before, now):
    """None while ``current`` still fits, else why a new CRL is due."""
    if current is None:
        return "no CRL yet"
    if not verifies(current, ca_certificate):
        return "the current CRL is not signed by this CA"
    if revoked_of(current) != revoked:
        return "the revoked certificates changed"
    if next_update(current) is None or next_update(current) - refresh_before <= now:
        return "nextUpdate is within the refresh window (%g days)" % (refresh_before.total_seconds() / 86400)
    return None


def crl_decision(current, ca_certificate, revoked_entries, refresh_before_days, now):
    """(what the CRL must list, why a new one is due or None): the one decision pkcs11_crl acts
    on and certificate_ledger_info reports, from the ledger's revoked entries."""
    revoked = with_revocation_times(parse_revoked(revoked_entries, now), current, now)
    return revoked, crl_renewal_reason(current, ca_certificate, revoked, datetime.timedelta(days=refresh_before_days), now)


def next_crl_number(current, now):
    """Increasing across runs and controllers: the time in seconds, or one more than the
    current CRL's number when the clock is behind it."""
    previous = crl_number(current) if current is not None else None
    return max(int(now.timestamp()), (previous or 0) + 1)


def build_crl(signer, ca_certificate, revoked, number, this_update, next_update):
    """The CRL of ``revoked`` ({serial: (reason, time)}) signed by ``signer``, verified
    against ``ca_certificate`` before it is returned."""
    if not same_public_key(ca_certificate.public_key(), signer.public_key):
        raise CrlError("the signing key (%s) does not match the CA certificate's public key"
                       % key_description(signer.public_key))
    if next_update <= this_update:
        raise CrlError("nextUpdate must be after thisUpdate")
    builder = (x509.CertificateRevocationListBuilder()
               .issuer_name(ca_certificate.subject)
               .last_update(this_update)
               .next_update(next_update)
               .add_extension(authority_key_identifier(ca_certificate, ca_certificate.public_key()), critical=False)
               .add_extension(x509.CRLNumber(number), critical=False))
    for serial, (reason, revoked_at) in sorted(revoked.items()):
        entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(revoked_at)
        if reason != "UNSPECIFIED":  # RFC 5280 5.3.1: unspecified is expressed by leaving the reason out
            entry = entry.add_extension(x509.CRLReason(_reason_flag(reason)), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    unsigned = builder.sign(layout_key(signer), signer.hash_algorithm)
    layout = asn1_crl.CertificateList.load(unsigned.public_bytes(serialization.Encoding.DER))
    signed = asn1_crl.CertificateList({"tbs_cert_list": layout["tbs_cert_list"],
                                       "signature_algorithm": layout["signature_algorithm"],
                                       "signature": signer.sign(unsigned.tbs_certlist_bytes)})
    crl = x509.load_der_x509_crl(signed.dump())
    if not verifies(crl, ca_certificate):
        raise CrlError("the CRL signed by the token key does not verify against the CA certificate")
    return crl


def to_pem(crl):
    return crl.public_bytes(serialization.Encoding.PEM).decode()
