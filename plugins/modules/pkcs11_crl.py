#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: pkcs11_crl
short_description: Sign a certificate revocation list with a CA key on a PKCS#11 token (HSM)
version_added: 0.2.0
description:
  - Builds the CRL of a CA whose key stays on a PKCS#11 token, from the revoked entries of
    its issuance ledger (M(certfleet.pki.certificate_ledger_info) returns them as
    RV(certfleet.pki.certificate_ledger_info#module:revoked)), and signs it on the token.
  - The CRL carries the authority key identifier of the CA certificate, an increasing CRL
    number, thisUpdate and nextUpdate, and a reason code for every entry whose reason is not
    C(UNSPECIFIED). Certificates that have expired are left out (RFC 5280 3.3).
  - Its signature is verified against O(ca_certificate) before it is returned.
  - Idempotent. The O(current_crl) is kept, and the token not even opened, while it is
    signed by this CA, lists exactly the revoked entries, and its nextUpdate is further away
    than O(refresh_before_days).
  - One login per run.
extends_documentation_fragment:
  - certfleet.pki.pkcs11
options:
  ca_certificate:
    description: The certificate of the CA key on the token (PEM content or a path).
    type: str
    required: true
  revoked:
    description:
      - The revoked certificates, as the ledger records them (RV(certfleet.pki.certificate_ledger_info#module:revoked)),
        each a dict with C(serial) (hex), C(reason) (an RFC 5280 reason spelled as ACM PCA's
        RevokeCertificate does, C(UNSPECIFIED) when left out), C(revoked_at) (ISO 8601; now when
        left out) and C(not_after) (ISO 8601; an expired certificate is left off the CRL).
        Other keys (C(host), C(name)...) are ignored.
    type: list
    elements: dict
    default: []
  current_crl:
    description: The CRL published now (PEM content or a path); kept while it still fits.
    type: str
  next_update_days:
    description: Days from thisUpdate to nextUpdate of a new CRL.
    type: int
    default: 7
  refresh_before_days:
    description:
      - A new CRL is signed when the current one's nextUpdate is this close, even if nothing
        was revoked since, so that verifiers never hold an expired CRL. Must be below O(next_update_days).
    type: int
    default: 2
  force:
    description: Sign a new CRL even if the current one fits.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Reports whether a CRL would be signed and why (RV(reason)); the token is not opened.
  diff_mode:
    support: none
    description: The module writes no files; publish its result with M(certfleet.pki.certificate_ledger).
seealso:
  - module: certfleet.pki.certificate_ledger
  - module: certfleet.pki.certificate_ledger_info
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: What the ledger says is revoked, and the CRL published now
  certfleet.pki.certificate_ledger_info:
    location: /var/lib/certfleet/ledger
    ca: lab-hsm
  register: ledger

- name: A new CRL when something was revoked or nextUpdate is close
  certfleet.pki.pkcs11_crl:
    pkcs11_module: /usr/lib/softhsm/libsofthsm2.so
    token_label: pki
    key_label: root-2026
    ca_certificate: /etc/pki/example/root.pem
    revoked: "{{ ledger.revoked }}"
    current_crl: "{{ ledger.crl | default(omit, true) }}"
    next_update_days: 7
  register: crl

- name: Publish it
  certfleet.pki.certificate_ledger:
    location: /var/lib/certfleet/ledger
    ca: lab-hsm
    crl: "{{ crl.crl }}"
  when: crl is changed
'''

RETURN = r'''
crl:
  description: The CRL in PEM (the current one when it was kept). Null in check mode when one would be signed.
  returned: always
  type: str
crl_number:
  description: The CRL number.
  returned: when a CRL is returned
  type: int
this_update:
  description: thisUpdate, ISO 8601 in UTC.
  returned: when a CRL is returned
  type: str
next_update:
  description: nextUpdate, ISO 8601 in UTC.
  returned: when a CRL is returned
  type: str
revoked_count:
  description: How many certificates the CRL lists.
  returned: when a CRL is returned
  type: int
reason:
  description: Why a CRL was (or in check mode would be) signed; null when the current one was kept.
  returned: always
  type: str
  sample: the revoked certificates changed
'''

import datetime

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certfleet.pki.plugins.module_utils._crl import (
    CrlError,
    build_crl,
    crl_decision,
    crl_facts,
    load_crl,
    next_crl_number,
    to_pem,
)
from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._errors import run_and_exit
from ansible_collections.certfleet.pki.plugins.module_utils._pkcs11_token import open_token, pkcs11_argument_spec
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import load_certificate


def run(module, now=None):
    params = module.params
    now = (now or datetime.datetime.now(datetime.timezone.utc)).replace(microsecond=0)
    if not 0 <= params["refresh_before_days"] < params["next_update_days"]:
        raise CrlError("refresh_before_days (%d) must be at least 0 and below next_update_days (%d)"
                       % (params["refresh_before_days"], params["next_update_days"]))
    ca_certificate = load_certificate(params["ca_certificate"], "ca_certificate")
    current = load_crl(params["current_crl"])
    revoked, reason = crl_decision(current, ca_certificate, params["revoked"], params["refresh_before_days"], now)
    reason = "forced" if params["force"] else reason
    if reason is None:
        return dict(changed=False, reason=None, crl=to_pem(current), **crl_facts(current))
    if module.check_mode:
        return dict(changed=True, reason=reason, crl=None)
    with open_token(params) as token:
        crl = build_crl(token.signer(params["key_label"]), ca_certificate, revoked, next_crl_number(current, now),
                        now, now + datetime.timedelta(days=params["next_update_days"]))
    return dict(changed=True, reason=reason, crl=to_pem(crl), **crl_facts(crl))


def main():
    argument_spec = pkcs11_argument_spec()
    argument_spec.update(
        ca_certificate=dict(type="str", required=True),
        revoked=dict(type="list", elements="dict", default=[]),
        current_crl=dict(type="str"),
        next_update_days=dict(type="int", default=7),
        refresh_before_days=dict(type="int", default=2),
        force=dict(type="bool", default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    require_libraries(module, "cryptography", "asn1crypto", "pkcs11")
    run_and_exit(module, run)


if __name__ == "__main__":
    main()
