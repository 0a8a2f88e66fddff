# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one version of a certificate holds (module_utils/_store.py keeps the versions): the
certificate, its chain, the key from wherever it comes (staged on the host, delivered
encrypted, or the current version's), checked to match, the fullchain a server sends (its
intermediates; the root only when asked) and the PKCS#12 file. certificate_deploy is its
module shell."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.certfleet.pki.plugins.module_utils._delivery import decrypted_key
from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError
from ansible_collections.certfleet.pki.plugins.module_utils._files import read_text
from ansible_collections.certfleet.pki.plugins.module_utils._store import (
    CERTIFICATE,
    CHAIN,
    FULLCHAIN,
    KEY,
    ORIGIN,
    PEM_FILES,
    PKCS12,
)
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import (
    certificate_facts,
    certificate_summary,
    is_self_signed,
    load_certificate,
    load_certificates,
    same_public_key,
    to_pem,
)

try:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
except ImportError:
    pass  # reported by the module's require_libraries

PRESENT = "(present)"  # how an existing PKCS#12 file is compared: it is re-encrypted on each write


class VersionError(CertfleetError):
    pass


def version_content(store, version):
    """What a version holds, as compared with what this run would write."""
    if not version:
        return {}
    content = dict((name, store.read(version, name)) for name in PEM_FILES)
    if store.has(version, ORIGIN):
        content[ORIGIN] = store.read(version, ORIGIN)
    if store.has(version, PKCS12):
        content[PKCS12] = PRESENT
    return content


def pkcs12_bytes(key_pem, certificate, chain, passphrase):
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    return pkcs12.serialize_key_and_certificates(
        certificate.subject.rfc4514_string().encode(), key, certificate, chain or None,
        serialization.BestAvailableEncryption(passphrase.encode()))


def check_key_matches(key_pem, certificate):
    try:
        key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    except (ValueError, TypeError) as error:
        raise VersionError("the key does not load as an unencrypted PEM private key: %s" % type(error).__name__)
    if not same_public_key(key.public_key(), certificate.public_key()):
        raise VersionError("the key does not match the certificate (serial %s); nothing was switched"
                           % certificate_facts(certificate)["serial"])


def describe(store, version):
    if not version:
        return ""
    certificate_pem = store.read(version, CERTIFICATE)
    if not certificate_pem:
        return "%s (incomplete)\n" % version
    certificate = load_certificate(certificate_pem, version)
    summary = certificate_summary(certificate)
    serial = certificate_facts(certificate)["serial"]
    return "%s  %s  serial %s  until %s\n" % (version, summary["subject"], serial, summary["not_after"])


def diff_for(store, result):
    before = describe(store, result["previous_version"])
    if not result["changed"]:
        return dict(before=before, after=before)
    return dict(before=before, after=describe(store, result["version"]) if result["version"] else "(a new version)\n")


def version_key(store, previous, key_encrypted=None, key_passphrase=None, key_src=None):
    """The new version's key (PEM): delivered encrypted, staged on the host, or the current version's."""
    if key_encrypted:
        return decrypted_key(key_encrypted, key_passphrase or "")
    if key_src:
        key_pem = read_text(key_src)
        if key_pem is None:
            raise VersionError("key_src %s does not exist on this host" % key_src)
        return key_pem
    if previous:
        return store.read(previous, KEY)
    raise VersionError("no key: give key_src (there is no current version to reuse a key from)")


def compose_version(certificate_pem, chain_pem, key_pem, fullchain_root=False, origin=None, pkcs12_passphrase=None):
    """(certificate, files, PKCS#12 bytes or None) of a new version; the key must match the certificate."""
    certificate = load_certificate(certificate_pem, "certificate")
    chain = load_certificates(chain_pem, "chain") if (chain_pem or "").strip() else []
    check_key_matches(key_pem, certificate)
    leaf_pem = to_pem(certificate)
    # What a server sends: the leaf and its intermediates; clients hold the root already.
    served = [c for c in chain if fullchain_root or not is_self_signed(c)]
    files = {CERTIFICATE: leaf_pem, CHAIN: "".join(to_pem(c) for c in chain), KEY: key_pem,
             FULLCHAIN: leaf_pem + "".join(to_pem(c) for c in served)}
    if origin:
        files[ORIGIN] = origin
    bundle = None
    if pkcs12_passphrase:
        files[PKCS12] = PRESENT
        bundle = pkcs12_bytes(key_pem, certificate, chain, pkcs12_passphrase)
    return certificate, files, bundle
