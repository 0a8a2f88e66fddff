# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller never takes a declaration from a managed host. Any module result may carry
``ansible_facts``, and while INJECT_FACTS_AS_VARS is on (Ansible's default before 2.24) Ansible
applies those facts as variables above the inventory's group_vars and host_vars: a host with
root could replace the issuers, certificates or revocation targets the controller acts on.
The collection's variables belong to the operator alone; a host whose facts carry one is
refused (docs/security.md)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

COLLECTION_PREFIXES = ("certfleet_", "__certfleet_")


def injected_variables(facts):
    """The names in a host's facts that only the operator may declare, sorted."""
    if not isinstance(facts, dict):
        return []
    return sorted(str(name) for name in facts if str(name).startswith(COLLECTION_PREFIXES))


def refusal(host, names):
    """Why ``host`` is refused, or None when its facts carry none of the collection's variables."""
    if not names:
        return None
    return ("%s: refused: its facts carry %s, which only the operator declares (a module result or fact gathering "
            "on this host set them: treat the host as compromised). Nothing was signed, revoked or read for it; "
            "after rebuilding it, clear any fact cache (--flush-cache)" % (host, ", ".join(names)))


def result_refusal(host, problem):
    return "%s: refused: %s; nothing was signed, revoked or read for it" % (host, problem)


# What the controller reads from a host's certificate_status and certificate_requests results
# before it groups the batch's requests: a malformed result would otherwise break the
# templating for every host of the batch, not just the one that sent it.
_SERIAL_CHARACTERS = frozenset("0123456789abcdefABCDEF:")


def _names_problem(field, names, declared):
    if not isinstance(names, list) or not all(isinstance(name, str) and name in declared for name in names):
        return "%s %.120r must be a list of its declared certificate names" % (field, names)
    return None


def _text_or_none(value, starts=""):
    return value is None or (isinstance(value, str) and value.startswith(starts))


def _status_entry_problem(index, entry, declared):
    where = "certificates[%d]" % index
    if not isinstance(entry, dict) or entry.get("name") not in declared:
        return "%s must be a mapping named after a declared certificate" % where
    serial = entry.get("serial")
    if serial is not None and not (isinstance(serial, str) and serial and set(serial) <= _SERIAL_CHARACTERS):
        return "%s.serial %.80r must be hexadecimal" % (where, serial)
    pems = entry.get("certificates_of_key", [])
    if not isinstance(pems, list) or not all(_text_or_none(pem, "-----BEGIN CERTIFICATE-----") and pem for pem in pems):
        return "%s.certificates_of_key must be a list of PEM certificates" % where
    if not isinstance(entry.get("present"), bool) or not _text_or_none(entry.get("origin")):
        return "%s: present must be true or false and origin text" % where
    reasons = entry.get("reasons")
    if not isinstance(reasons, list) or not all(isinstance(reason, str) for reason in reasons):
        return "%s.reasons must be a list of text" % where
    return None


def status_problem(result, declared):
    """What is wrong with a certificate_status result (``declared``: the host's planned
    certificate names), or None."""
    if not isinstance(result, dict):
        return "its certificate_status result is not a mapping"
    problem = _names_problem("due", result.get("due"), declared)
    certificates = result.get("certificates")
    if problem is None and not isinstance(certificates, list):
        problem = "certificates must be a list"
    for index, entry in enumerate(certificates if problem is None else []):
        problem = problem or _status_entry_problem(index, entry, declared)
    return problem and "its certificate_status result: %s" % problem


def requests_problem(result, declared):
    """What is wrong with a certificate_requests result, or None."""
    requests = result.get("requests") if isinstance(result, dict) else None
    if not isinstance(requests, list):
        return "its certificate_requests result holds no list of requests"
    for index, entry in enumerate(requests):
        if not isinstance(entry, dict) or entry.get("name") not in declared or not _text_or_none(entry.get("csr")):
            return "its certificate_requests result: requests[%d] must name a declared certificate and carry its CSR as text" % index
    return None
