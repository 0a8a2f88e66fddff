# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Defaults of a certificate declaration: the one table the certificate_plan filter fills
declarations from and certificate_status checks installed certificates against, so that a
key is never generated at one size and expected at another."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DEFAULT_KEY = {"ec": {"type": "ec", "curve": "secp256r1"}, "rsa": {"type": "rsa", "size": 3072}}
DEFAULT_RENEW_BEFORE = "33%"


def key_description(declared):
    """'EC secp256r1' / 'RSA 3072' for a declared key, defaults filled in."""
    key = dict(DEFAULT_KEY[declared.get("type", "ec")], **declared)
    return "RSA %d" % int(key["size"]) if key["type"] == "rsa" else "EC %s" % key["curve"]
