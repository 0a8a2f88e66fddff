# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Server-side TLS profiles after Mozilla's guidelines (version 5.7), shared by the nginx
and Apache templates so both serve the same protocols, ciphers and key exchange groups."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

# TLS 1.3 suites are not configurable in either server's cipher list; these are the TLS 1.2 ones.
_INTERMEDIATE_CIPHERS = [
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    "DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384", "DHE-RSA-CHACHA20-POLY1305",
]

# Key exchange groups (ssl_ecdh_curve, SSLOpenSSLConfCmd Curves): without them OpenSSL also
# accepts secp521r1 and X448, which the guidelines leave out.
_CURVES = ["X25519", "prime256v1", "secp384r1"]

PROFILES = {
    # Clients from the last few years only: TLS 1.3.
    "modern": {"protocols": ["TLSv1.3"], "ciphers": [], "curves": _CURVES},
    # Almost every client, no known weak cipher: TLS 1.2 with AEAD suites, and TLS 1.3.
    "intermediate": {"protocols": ["TLSv1.2", "TLSv1.3"], "ciphers": _INTERMEDIATE_CIPHERS, "curves": _CURVES},
}


def tls_profile(name):
    try:
        profile = PROFILES[name]
    except (KeyError, TypeError):
        raise AnsibleFilterError("unknown TLS profile %r: choose one of %s" % (name, ", ".join(sorted(PROFILES))))
    return dict(((key, list(value)) for key, value in profile.items()), name=name)


class FilterModule(object):
    def filters(self):
        return {"tls_profile": tls_profile}
