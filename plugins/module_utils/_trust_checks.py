# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What may be trusted: the same rule for the OS store and application bundles."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

try:
    from cryptography import x509
except ImportError:
    pass  # the modules report the missing library with missing_required_lib

from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import certificate_facts, not_valid_after


class TrustError(CertfleetError):
    pass


def refuse_unusable(certificates, now=None):
    """Every certificate must be a CA certificate that has not expired."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    for certificate in certificates:
        label = "%s (SHA-256 %s)" % (certificate.subject.rfc4514_string(),
                                     certificate_facts(certificate)["fingerprint_sha256"])
        try:
            is_ca = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            is_ca = False
        if not is_ca:
            raise TrustError("%s is not a CA certificate (no basicConstraints CA:TRUE); only CAs can be trust anchors"
                             % label)
        if not_valid_after(certificate) <= now:
            raise TrustError("%s expired on %s" % (label, not_valid_after(certificate).isoformat()))
