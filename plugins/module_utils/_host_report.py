# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one host holds and serves, for the fleet report: each declared certificate's state,
what each declared TLS site serves, and the CAs of the host's certfleet trust anchors and
bundles. Reads only; calls no CA."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import os

from ansible_collections.certfleet.pki.plugins.module_utils._certificate_state import declared_store, inspect_certificate
from ansible_collections.certfleet.pki.plugins.module_utils._files import read_text
from ansible_collections.certfleet.pki.plugins.module_utils._signers import key_description
from ansible_collections.certfleet.pki.plugins.module_utils._store import CERTIFICATE, CHAIN, CertificateStore
from ansible_collections.certfleet.pki.plugins.module_utils._tls_probe import (
    ProbeError,
    describe_certificate,
    served_and_chain_error,
)
from ansible_collections.certfleet.pki.plugins.module_utils._trust_anchors import group_files, resolve_platform
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import (
    InputError,
    certificate_facts,
    format_general_name,
    load_certificate,
    load_certificates,
    not_valid_after,
    same_public_key,
    subject_alt_names_of,
)

try:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
except ImportError:
    pass  # reported by the module through require_libraries

# Below these, a key is weak (NIST SP 800-131A); so is a signature over MD5 or SHA-1.
MIN_RSA_BITS = 2048
MIN_EC_BITS = 256
WEAK_SIGNATURE_HASHES = ("md5", "sha1")
# A CA and a leaf issued the same day for the same lifetime end seconds apart (ACM PCA test
# doubles do this): that is no finding. A CA re-issued shorter, or a stale intermediate, is.
CA_EXPIRY_TOLERANCE = datetime.timedelta(days=1)


def key_weakness(certificate):
    """Why the certificate's key or signature is weak, or None."""
    public_key = certificate.public_key()
    if isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size < MIN_RSA_BITS:
        return "RSA key of %d bits (at least %d)" % (public_key.key_size, MIN_RSA_BITS)
    if isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.key_size < MIN_EC_BITS:
        return "EC key on %s (at least %d bits)" % (public_key.curve.name, MIN_EC_BITS)
    if isinstance(public_key, dsa.DSAPublicKey):
        return "DSA key"
    algorithm = certificate.signature_hash_algorithm
    if algorithm is not None and algorithm.name in WEAK_SIGNATURE_HASHES:
        return "signed with %s" % algorithm.name.upper()
    return None


def _ca_summary(certificate):
    return dict(describe_certificate(certificate), issuer=certificate.issuer.rfc4514_string())


def _issuing_cas(store, declared):
    """The CAs above the installed certificate: its chain file, and the declared CA certificate."""
    cas = {}
    chain_pem = store.read_current(CHAIN)
    candidates = []
    try:
        candidates += load_certificates(chain_pem, "chain") if chain_pem else []
        if declared.get("ca_certificate"):
            candidates.append(load_certificate(declared["ca_certificate"], "ca_certificate"))
    except InputError:
        pass  # a chain that does not parse shows as a chain that does not verify where it is served
    for certificate in candidates:
        cas.setdefault(certificate_facts(certificate)["fingerprint_sha256"], certificate)
    return list(cas.values())


def certificate_entry(declared, params, now, installed_facts):
    """The report of one declared certificate: its status, plus key, names and CAs. What is
    installed goes into ``installed_facts`` (by directory), for the sites that serve it."""
    status, certificate, key = inspect_certificate(declared, params, now)
    entry = dict(status, issuer_name=declared["issuer"], common_name=declared["common_name"],
                 declared_subject_alt_names=list(declared["subject_alt_names"]), source_decides=declared["source_decides"],
                 key_matches=None, key_type=None, weak_key=None, subject_alt_names=[], sans_match=None,
                 not_before=None, expired=None, in_renewal_window=None, cas=[], cas_expiring_first=[])
    if certificate is None:
        return entry
    store = declared_store(declared, params["base_path"])
    installed_facts[store.directory] = describe_certificate(certificate)
    installed_sans = [format_general_name(n) for n in subject_alt_names_of(certificate)]
    leaf_not_after = not_valid_after(certificate)
    cas = [(ca, _ca_summary(ca)) for ca in _issuing_cas(store, declared)]
    entry.update(
        key_matches=key is not None and same_public_key(key.public_key(), certificate.public_key()),
        key_type=key_description(certificate.public_key()),
        weak_key=key_weakness(certificate),
        subject_alt_names=installed_sans,
        sans_match=set(n.lower() for n in installed_sans) == set(n.lower() for n in declared["subject_alt_names"]),
        not_before=certificate_facts(certificate)["not_before"],
        expired=leaf_not_after <= now,
        in_renewal_window=bool(status.get("renew_at")) and datetime.datetime.fromisoformat(status["renew_at"]) <= now,
        cas=[summary for _ca, summary in cas],
        cas_expiring_first=[summary for ca, summary in cas if not_valid_after(ca) < leaf_not_after - CA_EXPIRY_TOLERANCE],
    )
    return entry


def _read_installed_facts(directory):
    try:
        pem = CertificateStore(directory).read_current(CERTIFICATE)
        return describe_certificate(load_certificate(pem, "installed certificate")) if pem else None
    except InputError:
        return None


def site_entry(site, timeout, installed_facts):
    """What a declared TLS site serves, compared with the certificate installed for it, and
    whether the served chain verifies for the site's name. The installed certificate is read
    only when no declared certificate of this run has read it (``installed_facts``)."""
    endpoint = (site["address"], site["port"], site["server_name"], timeout)
    if site["certificate_dir"] not in installed_facts:
        installed_facts[site["certificate_dir"]] = _read_installed_facts(site["certificate_dir"])
    entry = dict(site, installed=installed_facts[site["certificate_dir"]], served=None, serving=False,
                 chain_verifies=None, chain_error=None, error=None)
    try:
        served, problem = served_and_chain_error(*endpoint, ca_file=site["ca_file"] or None)
    except ProbeError as error:
        return dict(entry, error=str(error))
    entry["served"] = describe_certificate(x509.load_der_x509_certificate(served))
    installed = entry["installed"]
    return dict(entry, serving=bool(installed) and installed["fingerprint_sha256"] == entry["served"]["fingerprint_sha256"],
                chain_verifies=problem is None, chain_error=problem)


def _ca_file_entries(kind, group, path, now):
    try:
        certificates = load_certificates(read_text(path), path)
    except (InputError, IOError, OSError) as error:
        return [dict(kind=kind, group=group, path=path, error=str(error))]
    return [dict(_ca_summary(certificate), kind=kind, group=group, path=path, error=None,
                 expired=not_valid_after(certificate) <= now) for certificate in certificates]


def trust_entries(anchor_groups, bundle_paths, platform_choice, now):
    """Every CA of the host's certfleet anchor groups and application bundles."""
    entries = []
    if anchor_groups:
        platform = resolve_platform(platform_choice)
        for group in anchor_groups:
            for path in group_files(platform, group):
                entries += _ca_file_entries("anchor", group, path, now)
    for path in bundle_paths:
        if os.path.exists(path):
            entries += _ca_file_entries("bundle", path, path, now)
    return entries
