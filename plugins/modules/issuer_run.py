#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: issuer_run
short_description: Run each issuer's check, signing or delivering module for a batch of hosts, and route the results
version_added: 0.4.0
description:
  - The certificate role's one step per phase for every provider. Each run (from the
    C(certfleet.pki.certificate_batch) filters) names an issuer, its provider, the options its
    requests share, the requests, and the owner (host and certificate name) of each request.
  - For each run, executes the module the provider registry names for the step - the check
    module (C(pkcs11_ca_info), C(acmpca_certificate_authority_info)), the signing module
    (C(pkcs11_certificate), C(acmpca_certificate), C(kms_certificate)) or the delivering module
    (C(acm_private_certificate), C(secretsmanager_certificate)) - in the issuer's C(environment),
    with the C(group/certfleet.pki.aws) module defaults applied.
  - After a signing run of an issuer that keeps a ledger, records what it signed with
    M(certfleet.pki.certificate_ledger) before anything is installed; a ledger that cannot be
    written fails every request of that run.
  - Each result goes back to the owner of the request at its position, as the controller
    recorded it; a run that fails as a whole fails each of its requests, naming the issuer.
    The action itself never fails to check, sign or deliver, so that each host judges its own
    results; a revocation that fails fails its host.
  - Runs as an action on the controller; the modules run where the task is delegated (the
    controller, or the host itself when it issues for itself). Use it with C(run_once), except to revoke.
options:
  step:
    description:
      - C(check) runs each issuer's preflight module; C(sign) and C(deliver) its issuing module.
      - C(revoke) revokes, for one host, what each run names (from the C(revocation_runs) filter) the way
        the registry says its issuer revokes - at the CA, each installed certificate of the replaced key
        once it is shown to carry the declared names; or in the issuer's ledger, every version recorded
        for the host's certificate that is still valid, never the replacement. Use it without C(run_once).
    type: str
    required: true
    choices: [check, sign, deliver, revoke]
  runs:
    description:
      - The runs, each with C(issuer), C(provider), C(connection) (the options its requests
        share) and, to sign or deliver, C(requests) and C(owners) (one C({host, name}) per request).
    type: list
    elements: dict
    required: true
  issuers:
    description:
      - The operator's C(certfleet_issuers) - each run's environment and secrets (a PKCS#11 PIN)
        are read from its issuer's declaration here, never from a run.
    type: dict
    required: true
  passphrase:
    description: The passphrase that encrypts delivered keys in transit (C(step=deliver)).
    type: str
  reason:
    description: The revocation reason recorded (C(step=revoke)).
    type: str
    default: SUPERSEDED
    choices: [UNSPECIFIED, KEY_COMPROMISE, CERTIFICATE_AUTHORITY_COMPROMISE, AFFILIATION_CHANGED, SUPERSEDED,
              CESSATION_OF_OPERATION, PRIVILEGE_WITHDRAWN, A_A_COMPROMISE]
attributes:
  action:
    support: full
    description: Runs on the controller and executes the provider's module where the task is delegated.
  check_mode:
    support: full
    description: The modules run in check mode; a delivering module reports what it would fetch.
  diff_mode:
    support: none
    description: Nothing is written on a host by this step.
notes:
  - Results of a C(deliver) step hold keys encrypted with O(passphrase); use C(no_log) on the task.
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: Sign every due request of the batch, one run per issuer
  certfleet.pki.issuer_run:
    step: sign
    runs: "{{ batch | certfleet.pki.signing_runs }}"
    issuers: "{{ certfleet_issuers }}"
  run_once: true
  delegate_to: localhost
  register: signed

- name: This host's certificates
  ansible.builtin.set_fact:
    mine: "{{ signed.by_host[inventory_hostname] | default({}) }}"
'''

RETURN = r'''
results:
  description: With C(step=check), each run's check module result, with the run as C(item).
  returned: when step is check
  type: list
  elements: dict
by_host:
  description: With C(step=sign) or C(deliver), each request's result by host and by certificate name.
  returned: when step is sign or deliver
  type: dict
  sample: {"web-1": {"www": {"changed": true, "certificate": "-----BEGIN CERTIFICATE-----...", "requester": "web-1/www"}}}
runs:
  description: One line per run - C(issuer), the number of C(requests), whether it C(failed) as a whole, and its C(msg).
  returned: when step is sign or deliver
  type: list
  elements: dict
revoked:
  description: With C(step=revoke), per certificate - its C(name), C(issuer) and the C(serials) revoked.
  returned: when step is revoke
  type: list
  elements: dict
ledger_issuers:
  description: With C(step=revoke), the issuers that revoked through their ledger (their CRLs are published next).
  returned: when step is revoke
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule

# The action plugin (plugins/action/issuer_run.py) validates its arguments with this spec.
ARGUMENT_SPEC = dict(
    step=dict(type="str", required=True, choices=["check", "sign", "deliver", "revoke"]),
    runs=dict(type="list", elements="dict", required=True),
    issuers=dict(type="dict", required=True, no_log=True),
    passphrase=dict(type="str", no_log=True),
    reason=dict(type="str", default="SUPERSEDED", choices=[
        "UNSPECIFIED", "KEY_COMPROMISE", "CERTIFICATE_AUTHORITY_COMPROMISE", "AFFILIATION_CHANGED", "SUPERSEDED",
        "CESSATION_OF_OPERATION", "PRIVILEGE_WITHDRAWN", "A_A_COMPROMISE"]),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="certfleet.pki.issuer_run runs on the controller, as an action; it cannot run as a module")


if __name__ == "__main__":
    main()
