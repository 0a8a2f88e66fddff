# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The issuers' preflight verdict, one rule for every provider: before any key is staged, each
issuer something is due from must be able to sign now, and its CA must outlive the renewal
window of the certificates it signs (one clamped to a CA that ends inside the window would be
due again on every run, and each run would re-issue the whole fleet)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

from ansible.errors import AnsibleFilterError

from ansible_collections.certfleet.pki.plugins.module_utils._providers import PROVIDERS


def _pkcs11_problem(result, issue):
    """What the token check (pkcs11_ca_info) found wrong, else None."""
    if result.get("found") is None:
        return result.get("msg") or "cannot be read"
    if not result["found"]:
        return "no key labelled %s on token %s" % (issue["key_label"], issue["token_label"])
    if not result.get("ca_certificate_matches"):
        return "the key on the token (%s) does not belong to its ca_certificate" % result.get("key")
    return None


def _acmpca_problem(result, issue):
    """What DescribeCertificateAuthority (acmpca_certificate_authority_info) found wrong, else None."""
    if result.get("status") is None:
        return result.get("msg") or "cannot be read"
    if result["status"] != "ACTIVE":
        return "CA %s is %s, not ACTIVE" % (issue["certificate_authority_arn"], result["status"])
    return None


# The verdict on each check module the provider registry names (module_utils/_providers.py).
MODULE_VERDICTS = {"certfleet.pki.pkcs11_ca_info": _pkcs11_problem,
                   "certfleet.pki.acmpca_certificate_authority_info": _acmpca_problem}


def _ca_period(result, issue):
    """(not before, not after) of the issuer's CA: its declared ca_certificate, or what its
    check module says of its CA; (None, None) when neither is known."""
    if issue.get("ca_certificate"):
        # Imported here, not with the file: it loads cryptography, and Ansible imports every filter
        # file of the collection in each worker to find one filter by name.
        from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import (
            InputError, load_certificate, not_valid_after, not_valid_before,
        )
        try:
            certificate = load_certificate(issue["ca_certificate"], "ca_certificate")
        except InputError as error:
            raise AnsibleFilterError(str(error))
        return not_valid_before(certificate), not_valid_after(certificate)
    if result.get("not_after"):
        not_before = result.get("not_before")
        return (datetime.datetime.fromisoformat(not_before) if not_before else None,
                datetime.datetime.fromisoformat(result["not_after"]))
    return None, None


def _window_problem(period, window, now):
    not_before, not_after = period
    if not_after is None:
        return None
    if (not_before is not None and now < not_before) or now >= not_after:
        return "its CA certificate is valid from %s until %s, not now" % (
            not_before.isoformat() if not_before else "?", not_after.isoformat())
    days_left = (not_after - now).total_seconds() / 86400
    if days_left <= window:
        return ("its CA certificate ends on %s (in %.0f days), inside a renewal window of %.0f days: certificates "
                "clamped to it would renew on every run; renew the CA certificate first"
                % (not_after.date().isoformat(), days_left, window))
    return None


def issuer_problems(checks, results, now=None):
    """[{issuer, provider, problem}] for each of ``checks`` (one per issuer, from the
    check_runs filter: its provider, its shared options as ``connection`` and the longest
    renewal window of its due certificates as ``renew_before_days``); ``results`` are the
    issuer_run check results (each with its run as ``item``). An empty problem means the
    issuer may sign."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    by_issuer = dict((result["item"]["issuer"], result) for result in results or [] if isinstance(result.get("item"), dict))
    verdicts = []
    for check in checks:
        issuer, provider, connection = check["issuer"], check["provider"], check["connection"]
        result = by_issuer.get(issuer, {})
        verdict = MODULE_VERDICTS.get(PROVIDERS[provider]["preflight_module"])
        problem = verdict(result, connection) if verdict else None
        period = _ca_period(result, connection)
        problem = problem or _window_problem(period, check.get("renew_before_days") or 0, now)
        verdicts.append(dict(issuer=issuer, provider=provider, problem=problem or ""))
    return verdicts


class FilterModule(object):
    def filters(self):
        return {"issuer_problems": issuer_problems}
