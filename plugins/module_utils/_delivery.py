# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificates that come with their key from a source (ACM private certificates, a
Secrets Manager secret) instead of being issued for a key born on the host.

The source decides when there is something new: a delivering module compares what the host
has (its current serial, or the secret version it was installed from) with the source, and
fetches only when they differ. The key travels encrypted with a passphrase made for the run
(PKCS#8, what ACM's ExportCertificate returns), and is decrypted by certificate_deploy on the
host; the passphrase is a no_log option everywhere."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError, failure_result
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import (
    certificate_facts,
    same_public_key,
    subject_alt_names_of,
    to_pem,
)

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
except ImportError:
    pass  # the modules report the missing library with missing_required_lib

# ACM's ExportCertificate takes 4 to 128 characters; a run's passphrase is far longer than 4.
MIN_PASSPHRASE_LENGTH = 16


class DeliveryError(CertfleetError):
    pass


def check_passphrase(passphrase):
    if passphrase is None or len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise DeliveryError("passphrase must have at least %d characters (the certificate role makes one per run)"
                            % MIN_PASSPHRASE_LENGTH)


def encrypted_key(private_key, passphrase):
    """The key as encrypted PKCS#8 PEM, the form ACM exports and certificate_deploy decrypts."""
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.BestAvailableEncryption(passphrase.encode())).decode()


def decrypted_key(encrypted_pem, passphrase, what="key_encrypted"):
    """The unencrypted PKCS#8 PEM of an encrypted key (on the host that uses it)."""
    try:
        key = serialization.load_pem_private_key(encrypted_pem.encode(), password=passphrase.encode())
    except (ValueError, TypeError):
        raise DeliveryError("%s does not decrypt with the run's passphrase" % what)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def dns_names(certificate):
    """The certificate's DNS subject alternative names, lower case, sorted."""
    return sorted(name.value.lower() for name in subject_alt_names_of(certificate) if isinstance(name, x509.DNSName))


def check_names(certificate, subject_alt_names, source):
    """The source's certificate carries exactly the declared names: a source never decides
    what a host serves."""
    wanted = sorted(name.split(":", 1)[-1].lower() for name in subject_alt_names)
    found = sorted(name.value.lower() if isinstance(name, x509.DNSName) else str(name.value)
                   for name in subject_alt_names_of(certificate))
    if wanted != found:
        raise DeliveryError("%s holds a certificate for %s, not the declared %s"
                            % (source, ", ".join(found) or "no names", ", ".join(wanted)))


def check_pair(certificate, private_key, source):
    if not same_public_key(certificate.public_key(), private_key.public_key()):
        raise DeliveryError("%s: the private key does not match the certificate (serial %s)"
                            % (source, certificate_facts(certificate)["serial"]))


def delivery_result(certificate, chain_pem, reason, private_key_pem=None, **fields):
    """One delivered certificate: its PEM, chain and facts, the encrypted key when fetched
    (``fields`` carries ``changed`` and what the source adds)."""
    certificate_pem = to_pem(certificate)
    result = dict(fields, certificate=certificate_pem, chain=chain_pem, fullchain=certificate_pem + chain_pem,
                  private_key=private_key_pem, delivery_reason=reason)
    result.update(certificate_facts(certificate))
    return result


def deliver_each(requests, deliver):
    """``deliver(request)`` for each request of a batch, in order, each result with its
    requester. A request that fails gets failed and msg in its own result; the others go on."""
    results = []
    for request in requests:
        try:
            result = deliver(request)
        except Exception as error:  # pylint: disable=broad-except  # what a host reported fails it alone
            result = failure_result(request, error)
        result["requester"] = request["requester"]
        results.append(result)
    return dict(changed=any(result["changed"] for result in results), certificates=results)
