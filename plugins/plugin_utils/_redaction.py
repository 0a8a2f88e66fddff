# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Declarations as error messages may show them: a declaration of the wrong type (a list
instead of a map, a merge gone wrong) is printed to say what was found, but never with the
value of a secret field."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

REDACTED = "********"
# pin, pkcs12_passphrase, secret_access_key, password...; and every value of an issuer's
# environment, which may carry credentials.
_SECRET_FIELD = re.compile(r"pin|.*passphrase.*|secret.*|.*password.*|.*token.*", re.IGNORECASE)


def redacted(value):
    """``value`` with every secret field's value replaced, at any depth."""
    if isinstance(value, dict):
        return dict((key, REDACTED if _is_secret(key) else
                     dict((name, REDACTED) for name in value[key]) if key == "environment" and isinstance(value[key], dict)
                     else redacted(value[key])) for key in value)
    if isinstance(value, (list, tuple)):
        return [redacted(item) for item in value]
    return value


def _is_secret(key):
    return isinstance(key, str) and bool(_SECRET_FIELD.fullmatch(key))
