# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a certificate we already hold still serves, or why a new one is needed.
Shared by every issuing module so that they all reissue for exactly the same reasons."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import hashlib
import re

from ansible_collections.certfleet.pki.plugins.module_utils._certificate_profiles import profile_of
from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import (
    directly_issued_by,
    format_general_name,
    not_valid_after,
    not_valid_before,
    same_public_key,
    subject_alt_names_of,
)

_RENEW_BEFORE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(d|%)\s*\Z")


class RenewBeforeError(CertfleetError):
    pass


def parse_renew_before(text):
    """'30d' -> ('days', 30.0); '33%' -> ('percent', 33.0)."""
    match = _RENEW_BEFORE.match(str(text))
    if not match:
        raise RenewBeforeError("renew_before %r must be a number of days ('30d') or a share of the "
                               "lifetime ('33%%')" % (text,))
    amount, unit = float(match.group(1)), match.group(2)
    if unit == "%" and not 0 < amount < 100:
        raise RenewBeforeError("renew_before %r: the percentage must be between 0 and 100" % (text,))
    return ("percent", amount) if unit == "%" else ("days", amount)


def renewal_point(certificate, renew_before):
    """The moment from which ``certificate`` is due for renewal."""
    unit, amount = parse_renew_before(renew_before)
    not_before, not_after = not_valid_before(certificate), not_valid_after(certificate)
    if unit == "days":
        return not_after - datetime.timedelta(days=amount)
    return not_after - (not_after - not_before) * (amount / 100.0)


def renewal_jitter(renew_before, lifetime, spread, seed):
    """A deterministic extra lead in [0, spread x renewal window) for ``seed`` (host and
    certificate name), so a fleet does not renew in the same minute. Only ever earlier."""
    unit, amount = parse_renew_before(renew_before)
    window = datetime.timedelta(days=amount) if unit == "days" else lifetime * (amount / 100.0)
    fraction = int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16) / float(0x100000000)
    return window * spread * fraction


def due_at(certificate, renew_before, jitter=None):
    """When ``certificate`` becomes due: its renewal point, moved earlier by ``jitter``."""
    return renewal_point(certificate, renew_before) - (jitter or datetime.timedelta(0))


def renewal_reason(current, wanted, renew_before, now=None, jitter=None):
    """None when ``current`` still serves, else why a new certificate is needed.

    ``wanted`` holds what the new certificate must be: ``ca_certificate`` (None for a
    self-signed root), ``public_key``, ``subject``, ``subject_alt_names`` (GeneralNames)
    and ``profile`` (None: not compared); ``check_issuer`` False skips the issuer check
    (the caller has no CA certificate to check against).
    """
    if current is None:
        return "no current certificate"
    now = now or datetime.datetime.now(datetime.timezone.utc)
    issuer = wanted["ca_certificate"] or current
    if wanted.get("check_issuer", True) and not directly_issued_by(current, issuer):
        return "issued by another CA"
    if not same_public_key(current.public_key(), wanted["public_key"]):
        return "public key changed"
    if current.subject != wanted["subject"]:
        return "subject changed"
    have = set(format_general_name(n) for n in subject_alt_names_of(current))
    want = set(format_general_name(n) for n in wanted["subject_alt_names"])
    if have != want:
        return "subject alternative names changed"
    # A profile of None (a passthrough template) lets the request decide the extensions.
    if wanted["profile"] is not None and profile_of(current) != wanted["profile"]:
        return "profile changed"
    if not_valid_after(current) <= now:
        return "expired on %s" % not_valid_after(current).isoformat()
    due = due_at(current, renew_before, jitter)
    if due <= now:
        return "due for renewal since %s (renew_before %s)" % (due.isoformat(), renew_before)
    return None
