# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keys and renewal windows a declaration may ask for, and their defaults: the one table the
certificate_plan filter fills declarations from, certificate_status checks installed
certificates against and pkcs11_key generates CA keys from, so that a key is never
generated one way and expected another."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError

EC_CURVES = ("secp256r1", "secp384r1", "secp521r1")
DEFAULT_EC_CURVE = EC_CURVES[0]
# RSA has no default size: it is a choice of cost against strength, and old declarations
# that left it out got 4096-bit keys; a default would silently replace them.
RSA_SIZES = (2048, 3072, 4096)
DEFAULT_KEY = {"type": "ec", "curve": DEFAULT_EC_CURVE}
DEFAULT_RENEW_BEFORE = "33%"
DEFAULT_VALIDITY_DAYS = 90
# The longest lifetime any certfleet issuer signs (a 25-year root); a request for more is
# refused before any date is computed (and within the CA's own lifetime, by each issuer).
MAX_VALIDITY_DAYS = 9125
# Largest share of the renewal window by which a host renews early, to stagger a fleet.
DEFAULT_RENEWAL_JITTER = 0.2


class KeyDeclarationError(CertfleetError):
    pass


def key_description(declared):
    """'EC secp256r1' / 'RSA 3072' for a declared key, defaults filled in."""
    key = dict(DEFAULT_KEY, **declared) if declared.get("type", "ec") == "ec" else declared
    if key["type"] == "rsa":
        if not key.get("size"):
            raise KeyDeclarationError("key %r: an RSA key needs a size (%s)" % (declared, ", ".join(map(str, RSA_SIZES))))
        return "RSA %d" % int(key["size"])
    return "EC %s" % key["curve"]
