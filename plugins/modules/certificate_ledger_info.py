#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: certificate_ledger_info
short_description: Read a CA's issuance ledger - what it signed, what is revoked, its CRL
version_added: 0.2.0
description:
  - Reads the issuance ledger written by M(certfleet.pki.certificate_ledger).
  - RV(issued) lists the certificates the CA signed, filtered by O(host) and O(names), and
    without those that have expired unless O(include_expired). Each entry says whether it is revoked.
  - RV(revoked) lists every revocation of the CA still on its CRL, as M(certfleet.pki.pkcs11_crl)
    takes them; RV(crl) is the CRL published now.
extends_documentation_fragment:
  - certfleet.pki.attributes.read_only
  - certfleet.pki.ledger
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
options:
  host:
    description: Only the certificates issued for this inventory host.
    type: str
  names:
    description: Only the certificates of these names (C(certfleet_certificates) names).
    type: list
    elements: str
  include_expired:
    description: List certificates that have expired, and revocations of expired certificates, too.
    type: bool
    default: false
  include_certificates:
    description: Return each issued certificate's PEM in RV(issued) (large for big ledgers).
    type: bool
    default: false
  ca_certificate:
    description:
      - The CA's certificate (PEM content or a path). With it, RV(crl_reason) says whether the
        ledger's CRL still fits - signed by this CA, listing exactly the revocations, nextUpdate
        further away than O(refresh_before_days) - so that the token is opened only when a new
        CRL is due.
    type: str
  refresh_before_days:
    description: With O(ca_certificate), a CRL whose nextUpdate is this close is due again (as in M(certfleet.pki.pkcs11_crl)).
    type: int
    default: 2
  list_issued:
    description:
      - Read the issued entries. Each is one object to read, so a run that needs only the
        revocations and the CRL (publishing a CRL) sets V(false) and reads as many objects as
        there are revocations.
    type: bool
    default: true
seealso:
  - module: certfleet.pki.certificate_ledger
  - module: certfleet.pki.pkcs11_crl
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: What web-1's certificate "web" is, and was, still valid
  certfleet.pki.certificate_ledger_info:
    location: s3://example-pki-ledger/lab
    ca: lab-hsm
    host: web-1
    names: [web]
  register: ledger
'''

RETURN = r'''
issued:
  description:
    - The certificates the CA signed that match the filters, oldest first - serial, host,
      name, subject, subject_alt_names, not_before, not_after, fingerprint_sha256,
      recorded_at, revoked (bool), and certificate with O(include_certificates).
  returned: always
  type: list
  elements: dict
revoked:
  description: Every revocation of the CA (serial, reason, revoked_at, host, name, not_after), oldest first.
  returned: always
  type: list
  elements: dict
crl:
  description: The CRL the ledger holds (PEM), or null.
  returned: always
  type: str
crl_number:
  description: Its CRL number.
  returned: when the ledger holds a CRL
  type: int
crl_reason:
  description: Why a new CRL is due, as M(certfleet.pki.pkcs11_crl) decides it; null while the ledger's CRL still fits.
  returned: when O(ca_certificate) is given
  type: str
  sample: the revoked certificates changed
'''

from ansible_collections.certfleet.pki.plugins.module_utils._crl import crl_decision, crl_number, load_crl
from ansible_collections.certfleet.pki.plugins.module_utils._ledger import (
    iso,
    ledger_module,
    open_ledger,
    run_ledger_module,
    utc_now,
)
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import load_certificate


def _expired(entry, now_iso):
    # Both ISO 8601 in UTC as the ledger writes them; cryptography's form has +00:00.
    not_after = (entry.get("not_after") or "").replace("+00:00", "Z")
    return bool(not_after) and not_after < now_iso


def run(module):
    params = module.params
    ledger = open_ledger(module)
    now = iso(utc_now())
    revoked = sorted(ledger.revoked(), key=lambda entry: (entry.get("revoked_at", ""), entry["serial"]))
    revoked_serials = set(entry["serial"] for entry in revoked)
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
    issued.sort(key=lambda entry: (entry.get("recorded_at", ""), entry["serial"]))
    if not params["include_expired"]:
        revoked = [entry for entry in revoked if not _expired(entry, now)]
    crl_pem = ledger.crl()[0]
    current = load_crl(crl_pem, "the ledger's CRL") if crl_pem else None
    result = dict(changed=False, issued=issued, revoked=revoked, crl=crl_pem)
    if current is not None:
        result["crl_number"] = crl_number(current)
    if params["ca_certificate"]:
        result["crl_reason"] = _crl_reason(current, revoked, params)
    return result


def _crl_reason(current, revoked, params):
    ca_certificate = load_certificate(params["ca_certificate"], "ca_certificate")
    return crl_decision(current, ca_certificate, revoked, params["refresh_before_days"], utc_now().replace(microsecond=0))[1]


def main():
    module = ledger_module(
        host=dict(type="str"),
        names=dict(type="list", elements="str"),
        include_expired=dict(type="bool", default=False),
        include_certificates=dict(type="bool", default=False),
        list_issued=dict(type="bool", default=True),
        ca_certificate=dict(type="str"),
        refresh_before_days=dict(type="int", default=2),
    )
    run_ledger_module(module, run, "read")


if __name__ == "__main__":
    main()
