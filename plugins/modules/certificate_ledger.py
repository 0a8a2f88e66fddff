#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: certificate_ledger
short_description: Record issued and revoked certificates, and publish the CRL, in a CA's issuance ledger
version_added: 0.2.0
description:
  - Writes the issuance ledger of a CA the collection signs for itself (the HSM-backed CA,
    M(certfleet.pki.pkcs11_certificate)), in a directory or in S3.
  - O(certificates) records certificates the CA signed (serial, subject, names, host,
    certificate name, validity, the certificate itself). Everything recorded is read from the
    certificate; only O(certificates[].host) and O(certificates[].name) are taken as given.
  - O(revoke) records revocations. The first revocation of a serial stands; a later run
    does not rewrite its time or reason. A serial the ledger has not recorded is refused.
  - O(crl) publishes the CA's CRL, unless the ledger already holds one with the same or a
    higher CRL number (a slower parallel run never replaces a newer CRL).
  - Idempotent. Entries are created only if absent, so parallel runs (AWX forks, SSM
    instances) never lose or overwrite one another's entries.
extends_documentation_fragment:
  - certfleet.pki.ledger
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
options:
  certificates:
    description: Certificates the CA signed, to record.
    type: list
    elements: dict
    default: []
    suboptions:
      certificate:
        description: The certificate (PEM).
        type: str
        required: true
      host:
        description: The inventory host it was issued for.
        type: str
      name:
        description: The certificate's name in C(certfleet_certificates).
        type: str
  revoke:
    description: Certificates to record as revoked, by serial (hex).
    type: list
    elements: str
    default: []
  revocation_reason:
    description: The reason recorded for O(revoke).
    type: str
    default: UNSPECIFIED
    choices: [UNSPECIFIED, KEY_COMPROMISE, CERTIFICATE_AUTHORITY_COMPROMISE, AFFILIATION_CHANGED,
              SUPERSEDED, CESSATION_OF_OPERATION, PRIVILEGE_WITHDRAWN, A_A_COMPROMISE]
  crl:
    description: The CA's new CRL (PEM), for example RV(certfleet.pki.pkcs11_crl#module:crl).
    type: str
attributes:
  check_mode:
    support: full
    description: Reads the ledger and reports what would be recorded or published; writes nothing.
  diff_mode:
    support: none
    description: The ledger is not a host file; RV(recorded), RV(revoked) and RV(crl_published) say what changed.
seealso:
  - module: certfleet.pki.certificate_ledger_info
  - module: certfleet.pki.pkcs11_crl
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: Record what the HSM CA signed
  certfleet.pki.certificate_ledger:
    location: s3://example-pki-ledger/lab
    region: eu-west-1
    ca: lab-hsm
    certificates:
      - certificate: "{{ issued.certificate }}"
        host: web-1
        name: web

- name: Record a revocation
  certfleet.pki.certificate_ledger:
    location: /var/lib/certfleet/ledger
    ca: lab-hsm
    revoke: [5c0e2a7f3b1d4e6a8c9b0d1e2f3a4b5c6d7e8f90]
    revocation_reason: KEY_COMPROMISE
'''

RETURN = r'''
recorded:
  description: Serials recorded by this run (already recorded ones are left out).
  returned: always
  type: list
  elements: str
revoked:
  description: The revocations recorded by this run (serial, reason, revoked_at, host, name, not_after).
  returned: always
  type: list
  elements: dict
crl_published:
  description: Whether O(crl) replaced the ledger's CRL.
  returned: always
  type: bool
'''

from ansible_collections.certfleet.pki.plugins.module_utils._crl import (
    REVOCATION_REASONS,
    crl_number,
    load_crl,
    normalized_serial,
    parse_revoked,
    revoked_of,
)
from ansible_collections.certfleet.pki.plugins.module_utils._ledger import (
    ledger_module,
    open_ledger,
    run_ledger_module,
    utc_now,
)
from ansible_collections.certfleet.pki.plugins.module_utils._ledger_location import LedgerError
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import certificate_facts, load_certificate


def _record(ledger, certificates, check_mode):
    recorded = []
    for index, entry in enumerate(certificates):
        if check_mode:
            serial = normalized_serial(certificate_facts(load_certificate(entry["certificate"],
                                                                          "certificates[%d]" % index))["serial"])
            if not ledger.has_issued(serial):
                recorded.append(serial)
            continue
        recorded_entry, created = ledger.record(entry["certificate"], entry["host"], entry["name"])
        if created:
            recorded.append(recorded_entry["serial"])
    return recorded


def _revoke(ledger, serials, reason, check_mode):
    revoked = []
    for serial in serials:
        serial = normalized_serial(serial)
        if check_mode:
            if not ledger.has_issued(serial):
                raise LedgerError("serial %s was not issued by %s according to its ledger; nothing revoked"
                                  % (serial, ledger.ca))
            if not ledger.has_revoked(serial):
                revoked.append(dict(serial=serial, reason=reason))
            continue
        entry, created = ledger.revoke(serial, reason)
        if created:
            revoked.append(entry)
    return revoked


def _check_complete(ledger, crl):
    """A CRL may replace the ledger's only if it lists every unexpired serial the ledger has
    revoked: one signed from an older read (a refresh that raced a revocation) would otherwise
    take a revocation back off the CRL. Its number cannot tell: the number is the signing time."""
    listed = revoked_of(crl)
    missing = sorted("%x" % serial for serial in parse_revoked(ledger.revoked(), utc_now()) if serial not in listed)
    if missing:
        raise LedgerError("the CRL lacks %s, revoked in the ledger since it was signed; nothing was published "
                          "(run again: the next CRL is signed from the ledger's current revocations)" % ", ".join(missing))


def _publish(ledger, crl_pem, check_mode):
    """Publish ``crl_pem`` unless the ledger's CRL is as new or newer, or lists a revocation it lacks."""
    crl = load_crl(crl_pem, "crl")
    new_number = crl_number(crl)
    if new_number is None:
        raise LedgerError("crl carries no CRL number; publish CRLs made by certfleet.pki.pkcs11_crl")
    _check_complete(ledger, crl)
    current_pem, version = ledger.crl()
    current = load_crl(current_pem, "the ledger's CRL") if current_pem else None
    if current is not None and (crl_number(current) or 0) >= new_number:
        return False
    if not check_mode:
        ledger.publish_crl(crl_pem, version)
    return True


def run(module):
    params = module.params
    ledger = open_ledger(module)
    recorded = _record(ledger, params["certificates"], module.check_mode)
    revoked = _revoke(ledger, params["revoke"], params["revocation_reason"], module.check_mode)
    published = _publish(ledger, params["crl"], module.check_mode) if params["crl"] else False
    return dict(changed=bool(recorded or revoked or published), recorded=recorded, revoked=revoked,
                crl_published=published)


def main():
    module = ledger_module(
        certificates=dict(type="list", elements="dict", default=[], options=dict(
            certificate=dict(type="str", required=True),
            host=dict(type="str"),
            name=dict(type="str"),
        )),
        revoke=dict(type="list", elements="str", default=[]),
        revocation_reason=dict(type="str", default="UNSPECIFIED", choices=list(REVOCATION_REASONS)),
        crl=dict(type="str"),
    )
    run_ledger_module(module, run, "write")


if __name__ == "__main__":
    main()
