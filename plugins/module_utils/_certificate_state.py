# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The state of one declared certificate on its host: installed, matching its key and its
declaration, and when it is due. certificate_status decides renewals with it, and
certificate_report reports the same state (one reading of the rules for both)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

from ansible_collections.certfleet.pki.plugins.module_utils._declaration_defaults import (
    DEFAULT_KEY,
    DEFAULT_RENEW_BEFORE,
)
from ansible_collections.certfleet.pki.plugins.module_utils._declaration_defaults import (
    key_description as declared_key_description,
)
from ansible_collections.certfleet.pki.plugins.module_utils._renewal import (
    due_at,
    parse_renew_before,
    renewal_jitter,
    renewal_reason,
)
from ansible_collections.certfleet.pki.plugins.module_utils._signers import key_description
from ansible_collections.certfleet.pki.plugins.module_utils._store import (
    CERTIFICATE,
    KEY,
    ORIGIN,
    CertificateStore,
    certificate_dir,
)
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import (
    InputError,
    certificate_facts,
    load_certificate,
    not_valid_after,
    not_valid_before,
    parse_general_name,
    same_public_key,
    to_pem,
)

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509.oid import NameOID
except ImportError:
    pass  # reported by the modules through require_libraries

KEY_MISMATCH = "key does not match the certificate"

# The options of one declared certificate, as certificate_status and certificate_report take them.
DECLARED_CERTIFICATE_OPTIONS = dict(
    name=dict(type="str", required=True),
    path=dict(type="path"),
    common_name=dict(type="str", required=True),
    subject_alt_names=dict(type="list", elements="str", default=[]),
    key=dict(type="dict", default=DEFAULT_KEY, no_log=False),  # a key type, not a key
    renew_before=dict(type="str", default=DEFAULT_RENEW_BEFORE),
    ca_certificate=dict(type="str"),
    # What the issuer is asked for: None where the issuer decides (an ACM PCA template).
    profile=dict(type="str", choices=["server", "client", "server_client", "code_signing"]),
    validity_days=dict(type="int"),
    source_decides=dict(type="bool", default=False),
)


def check_declarations(certificates):
    """Every declaration's renewal window and key type, before any certificate is read: a bad
    one raises the CertfleetError that names it."""
    for declared in certificates:
        parse_renew_before(declared["renew_before"])
        declared_key_description(declared["key"])


def declared_store(declared, base_path):
    """The store of a declared certificate: its own path, or <base_path>/<name>."""
    return CertificateStore(declared["path"] or certificate_dir(declared["name"], base_path))


def installed(store):
    """(certificate or None, private key or None, reason or None) of the current version."""
    certificate_pem = store.read_current(CERTIFICATE)
    if certificate_pem is None:
        return None, None, "no certificate installed"
    try:
        certificate = load_certificate(certificate_pem, "installed certificate")
    except InputError:
        return None, None, "installed certificate does not parse"
    key_pem = store.read_current(KEY)
    try:
        key = serialization.load_pem_private_key(key_pem.encode(), password=None) if key_pem else None
    except (ValueError, TypeError):
        key = None
    if key is None:
        return certificate, None, "private key missing or unreadable"
    return certificate, key, None


def certificates_of_key(store, current):
    """The current certificate and every other version in the store certified for its key
    (PEM, current first): revoking a key revokes every certificate of it (a reused key renews
    into several)."""
    found, active = [to_pem(current)], store.active_version()
    for version in reversed(store.versions()):
        if version == active:
            continue
        try:
            other = load_certificate(store.read(version, CERTIFICATE), "version %s" % version)
        except InputError:
            continue
        if same_public_key(other.public_key(), current.public_key()) and other.serial_number != current.serial_number:
            found.append(to_pem(other))
    return found


def _longer_than_declared(lifetime, validity_days):
    """Why a certificate that lives longer than the declared validity is due (a day's slack for
    rounding), or None; a shorter one (clamped to its CA's end) is kept."""
    if validity_days is None or lifetime <= datetime.timedelta(days=validity_days + 1):
        return None
    installed_days = round(lifetime.total_seconds() / 86400)
    return "validity changed (%d days installed, at most %d declared)" % (installed_days, validity_days)


def inspect_certificate(declared, params, now):
    """(status entry, installed certificate or None, its key or None) of one declared certificate.

    ``params`` holds base_path, host and jitter as certificate_status takes them; the entry
    is what certificate_status returns for the certificate."""
    entry = dict(name=declared["name"], present=False, needs_renewal=True, reasons=[])
    store = declared_store(declared, params["base_path"])
    certificate, key, problem = installed(store)
    # Only a certificate delivered from a source records where it came from.
    entry["origin"] = store.read_current(ORIGIN) if declared["source_decides"] else None
    if certificate is not None:
        facts = certificate_facts(certificate)
        entry.update(present=True, serial=facts["serial"], not_after=facts["not_after"],
                     issuer=certificate.issuer.rfc4514_string())
        if declared.get("force"):  # it is being replaced: a revocation checks each against the CA and the declaration
            entry["certificates_of_key"] = certificates_of_key(store, certificate)
        lifetime = not_valid_after(certificate) - not_valid_before(certificate)
        entry["lifetime_left"] = round(max(0.0, (not_valid_after(certificate) - now) / lifetime), 4)
    if declared["source_decides"]:  # reported only: the delivering module compares with its source
        return dict(entry, needs_renewal=False), certificate, key
    if problem:
        entry["reasons"].append(problem)
        return entry, certificate, key
    if key_description(key.public_key()) != declared_key_description(declared["key"]):
        entry["reasons"].append("key type changed (%s installed, %s declared)"
                                % (key_description(key.public_key()), declared_key_description(declared["key"])))
    ca = load_certificate(declared["ca_certificate"], "ca_certificate") if declared["ca_certificate"] else None
    jitter = renewal_jitter(declared["renew_before"], lifetime, params["jitter"], "%s/%s" % (params["host"], declared["name"]))
    entry["renew_at"] = due_at(certificate, declared["renew_before"], jitter).isoformat()
    reason = renewal_reason(certificate, dict(
        ca_certificate=ca, public_key=key.public_key(),
        subject=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, declared["common_name"])]),
        subject_alt_names=[parse_general_name(n) for n in declared["subject_alt_names"]], profile=declared["profile"],
        check_issuer=ca is not None), declared["renew_before"], now=now, jitter=jitter)
    if reason == "public key changed":
        reason = KEY_MISMATCH
    reason = reason or _longer_than_declared(lifetime, declared["validity_days"])
    if reason:
        entry["reasons"].append(reason)
    if declared.get("force"):
        entry["reasons"].append("forced")
    entry["needs_renewal"] = bool(entry["reasons"])
    return entry, certificate, key
