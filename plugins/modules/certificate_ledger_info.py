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

from ansible_collections.certfleet.pki.plugins.module_utils._ledger import ledger_module, open_ledger, run_ledger_module
from ansible_collections.certfleet.pki.plugins.module_utils._ledger_reading import LEDGER_INFO_OPTIONS, read_ledger


def main():
    module = ledger_module(**LEDGER_INFO_OPTIONS)
    run_ledger_module(module, lambda m: read_ledger(open_ledger(m), m.params), "read")


if __name__ == "__main__":
    main()
