#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: pkcs11_certificate
short_description: Issue X.509 certificates signed by a CA key on a PKCS#11 token (HSM)
version_added: 0.1.0
description:
  - Signs a certificate for a certificate signing request with a CA key that stays on a
    PKCS#11 token (SoftHSM2, AWS CloudHSM, YubiHSM, Luna...), or self-signs a root CA
    certificate with the token key (O(profile=root_ca)).
  - Idempotent. When O(current_certificate) was issued by this CA for the same public key,
    subject, subject alternative names and profile, and is outside the renewal window, it
    is returned unchanged and the token is not even opened.
  - A certificate never outlives its CA certificate. Its validity is clamped to the CA's
    unless O(validity_clamp=false), which makes that an error.
  - Every certificate is verified against the CA certificate before it is returned.
  - The CSR's names are checked against O(common_name), O(subject_alt_names) and the issuer
    policy (O(allowed_names), O(allowed_profiles), O(max_validity_days)) before the token is
    opened; a request they do not allow signs nothing.
extends_documentation_fragment:
  - certfleet.pki.pkcs11
  - certfleet.pki.ca_key
  - certfleet.pki.issuing
  - certfleet.pki.issuance_policy
options:
  profile:
    description:
      - What the certificate is for, which sets its extensions.
      - V(server), V(client), V(server_client) and V(code_signing) are end-entity
        certificates (C(CA:FALSE)) with the matching extended key usage.
      - V(subordinate_ca) signs the CSR of an intermediate CA (for example an ACM Private CA
        subordinate); V(root_ca) self-signs the CA key, needs O(subject) and takes no CSR.
    type: str
    choices: [server, client, server_client, code_signing, subordinate_ca, root_ca]
    default: server
  requests:
    description:
      - Several certificate signing requests of this issuer, signed in one module run (the
        certificate role sends one run per issuer per batch of hosts). Each entry takes the
        options below; an option it leaves out is the module's. Mutually exclusive with O(csr).
      - Each request is decided and checked alone. A request that fails (a CSR the
        declaration or the policy does not allow, an error of the CA) gets C(failed) and
        C(msg) in its own entry of RV(certificates); the others go on, and the module does not fail.
      - All requests are signed in one session of the CA key (one library load and one login for a token; one key lookup for KMS).
    type: list
    elements: dict
    suboptions:
      csr:
        description: The certificate signing request (PEM content or a path).
        type: str
        required: true
      requester:
        description: Who the certificate is for (C(host/name)); each result and error names it.
        type: str
      common_name:
        description: The common name the CSR must ask for.
        type: str
      subject_alt_names:
        description: The subject alternative names the CSR must ask for, exactly.
        type: list
        elements: str
      allowed_names:
        description: Issuer policy for this request (see O(allowed_names)).
        type: list
        elements: str
      allowed_profiles:
        description: Issuer policy for this request (see O(allowed_profiles)).
        type: list
        elements: str
      allow_wildcards:
        description: Issuer policy for this request (see O(allow_wildcards)).
        type: bool
      max_validity_days:
        description: Issuer policy for this request (see O(max_validity_days)).
        type: int
      key:
        description: The key this request's CSR must hold (see O(key)).
        type: dict
        suboptions:
          type:
            description: V(ec) or V(rsa).
            type: str
            choices: [ec, rsa]
            default: ec
          curve:
            description: The curve of an EC key.
            type: str
          size:
            description: The size of an RSA key, in bits.
            type: int
      validity_days:
        description: Validity of this certificate, in days.
        type: int
      current_certificate:
        description: The certificate this request would replace; kept while it fits (see O(current_certificate)).
        type: str
      force:
        description: Issue even when O(requests[].current_certificate) still fits.
        type: bool
      profile:
        description: The profile of this certificate (end-entity profiles only).
        type: str
        choices: [server, client, server_client, code_signing]
attributes:
  check_mode:
    support: full
    description: Reports whether a certificate would be issued and why (RV(renewal_reason)); signs nothing.
  diff_mode:
    support: none
    description: The module writes no files; write its result with the certificate role or M(ansible.builtin.copy).
seealso:
  - module: certfleet.pki.pkcs11_key
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: Self-signed root on the HSM key
  certfleet.pki.pkcs11_certificate:
    pkcs11_module: /usr/lib/softhsm/libsofthsm2.so
    token_label: pki
    key_label: root-2026
    profile: root_ca
    subject: {CN: Example Root CA 2026, O: Example}
    validity_days: 7300
    current_certificate: /etc/pki/example/root.pem
  register: root

- name: Sign an ACM Private CA subordinate's CSR with the HSM root (portable root)
  certfleet.pki.pkcs11_certificate:
    pkcs11_module: /opt/cloudhsm/lib/libcloudhsm_pkcs11.so
    token_label: cavium
    key_label: root-2026
    ca_certificate: "{{ root.certificate }}"
    csr: "{{ subordinate.csr }}"
    profile: subordinate_ca
    path_length: 0
    validity_days: 1825

- name: Server certificate for a host's CSR (run next to the HSM)
  certfleet.pki.pkcs11_certificate:
    pkcs11_module: /usr/lib/softhsm/libsofthsm2.so
    token_label: pki
    key_label: root-2026
    ca_certificate: /etc/pki/example/root.pem
    csr: "{{ host_csr.csr }}"
    profile: server
    validity_days: 90
    current_certificate: "{{ served_certificate | default(omit) }}"
    renew_before: 30d
  delegate_to: localhost
  register: issued
'''

RETURN = r'''
certificates:
  description:
    - With O(requests), one result per request, in order. Each has the fields of a single
      issuance (RV(certificate), RV(chain), RV(fullchain), RV(serial), RV(not_after),
      RV(renewal_reason), ...) and C(requester); a request that failed has C(failed=true) and C(msg) instead.
  returned: when O(requests) is given
  type: list
  elements: dict
certificate:
  description: The certificate in PEM (the current one when nothing was due). Null in check mode when one would be issued.
  returned: always
  type: str
chain:
  description: The CA certificate followed by O(ca_chain), in PEM; empty for a root CA.
  returned: always
  type: str
fullchain:
  description: RV(certificate) followed by RV(chain), what a TLS server presents.
  returned: always
  type: str
serial:
  description: Serial number in lower-case hex.
  returned: when a certificate is returned
  type: str
  sample: 5c0e2a7f3b1d4e6a8c9b0d1e2f3a4b5c6d7e8f90
not_before:
  description: Start of validity, ISO 8601 in UTC.
  returned: when a certificate is returned
  type: str
not_after:
  description: End of validity, ISO 8601 in UTC.
  returned: when a certificate is returned
  type: str
fingerprint_sha256:
  description: SHA-256 fingerprint of the DER certificate, hex.
  returned: when a certificate is returned
  type: str
renewal_reason:
  description: Why a certificate was (or in check mode would be) issued; null when the current one was kept.
  returned: always
  type: str
  sample: subject alternative names changed
validity_clamped:
  description: Whether the validity was shortened to end with the CA certificate.
  returned: when a certificate was issued
  type: bool
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certfleet.pki.plugins.module_utils._ca_key_issuance import (
    ca_key_argument_spec,
    ca_key_module_rules,
    check_ca_key_params,
    run_ca_key_issuance,
)
from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._errors import run_and_exit
from ansible_collections.certfleet.pki.plugins.module_utils._pkcs11_token import TokenKeySource, pkcs11_argument_spec


def run(module):
    # One library load, one session and one login for every request of the run.
    return run_ca_key_issuance(module, TokenKeySource(module.params))


def main():
    argument_spec = pkcs11_argument_spec()
    argument_spec.update(ca_key_argument_spec())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, **ca_key_module_rules())
    require_libraries(module, "cryptography", "asn1crypto", "pkcs11")
    check_ca_key_params(module)
    run_and_exit(module, run)


if __name__ == "__main__":
    main()
