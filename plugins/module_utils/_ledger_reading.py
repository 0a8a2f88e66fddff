# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What certfleet.pki.certificate_ledger_info answers about a ledger: what the CA signed, what
is revoked, its CRL, and whether that CRL needs signing again. The module runs it, and so does
its action plugin, in the controller's own process, for a directory ledger on the controller."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.certfleet.pki.plugins.module_utils._crl import crl_decision, crl_number, load_crl
from ansible_collections.certfleet.pki.plugins.module_utils._ledger import iso, utc_now
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import load_certificate

LEDGER_INFO_OPTIONS = dict(
    host=dict(type="str"),
    names=dict(type="list", elements="str"),
    include_expired=dict(type="bool", default=False),
    include_certificates=dict(type="bool", default=False),
    list_issued=dict(type="bool", default=True),
    ca_certificate=dict(type="str"),
    refresh_before_days=dict(type="int", default=2),
)


def _expired(entry, now_iso):
    # Both ISO 8601 in UTC as the ledger writes them; cryptography's form has +00:00.
    not_after = (entry.get("not_after") or "").replace("+00:00", "Z")
    return bool(not_after) and not_after < now_iso


def _issued(ledger, params, revoked_serials, now):
    issued = []
    for entry in ledger.issued() if params["list_issued"] else []:
        if params["host"] is not None and entry.get("host") != params["host"]:
            continue
        if params["names"] is not None and entry.get("name") not in params["names"]:
            continue
        if not params["include_expired"] and _expired(entry, now):
            continue
        entry = dict(entry, revoked=entry["serial"] in revoked_serials)
        if not params["include_certificates"]:
            entry.pop("certificate", None)
        issued.append(entry)
    return sorted(issued, key=lambda entry: (entry.get("recorded_at", ""), entry["serial"]))


def read_ledger(ledger, params):
    """The certificate_ledger_info result for ``ledger`` (a _ledger.Ledger) and ``params``."""
    now = iso(utc_now())
    revoked = sorted(ledger.revoked(), key=lambda entry: (entry.get("revoked_at", ""), entry["serial"]))
    issued = _issued(ledger, params, set(entry["serial"] for entry in revoked), now)
    if not params["include_expired"]:
        revoked = [entry for entry in revoked if not _expired(entry, now)]
    crl_pem = ledger.crl()[0]
    current = load_crl(crl_pem, "the ledger's CRL") if crl_pem else None
    result = dict(changed=False, issued=issued, revoked=revoked, crl=crl_pem)
    if current is not None:
        result["crl_number"] = crl_number(current)
    if params["ca_certificate"]:
        ca_certificate = load_certificate(params["ca_certificate"], "ca_certificate")
        result["crl_reason"] = crl_decision(current, ca_certificate, revoked, params["refresh_before_days"],
                                            utc_now().replace(microsecond=0))[1]
    return result
