#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: kms_certificate
short_description: Issue X.509 certificates signed by a CA key in AWS KMS
version_added: 0.2.0
description:
  - Signs a certificate for a certificate signing request with an asymmetric AWS KMS key
    (C(SIGN_VERIFY)), or self-signs a root CA certificate with the KMS key (O(certificate_profile=root_ca)).
    The CA key never leaves KMS; every signature is one C(kms:Sign) call, allowed by IAM and
    recorded by CloudTrail.
  - The same profiles, options and results as M(certfleet.pki.pkcs11_certificate); only where
    the key is differs, and the certificate profile is O(certificate_profile), since O(profile)
    is the AWS credentials profile here.
  - Keys of spec C(ECC_NIST_P256), C(ECC_NIST_P384), C(RSA_2048), C(RSA_3072) and C(RSA_4096).
    The signing algorithm follows the key, C(ECDSA_SHA_256), C(ECDSA_SHA_384) or
    C(RSASSA_PKCS1_V1_5_SHA_256).
  - Before the first signature, the key is described. A key that is not C(SIGN_VERIFY), not
    C(Enabled), or of another spec is refused, and nothing is signed.
  - Idempotent. When O(current_certificate) was issued by this CA for the same public key,
    subject, subject alternative names and profile, and is outside the renewal window, it
    is returned unchanged and KMS is not called (for O(certificate_profile=root_ca) the key's public key
    is read, and nothing is signed).
  - A certificate never outlives its CA certificate. Its validity is clamped to the CA's
    unless O(validity_clamp=false), which makes that an error.
  - Every certificate is verified against the CA certificate before it is returned.
  - The CSR's names are checked against O(common_name), O(subject_alt_names) and the issuer
    policy (O(allowed_names), O(allowed_profiles), O(max_validity_days)) before KMS is called;
    a request they do not allow signs nothing.
extends_documentation_fragment:
  - certfleet.pki.ca_key
  - certfleet.pki.issuing
  - certfleet.pki.issuance_policy
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
options:
  certificate_profile:
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
      certificate_profile:
        description: The profile of this certificate (end-entity profiles only).
        type: str
        choices: [server, client, server_client, code_signing]
  key_id:
    description:
      - The KMS key that signs, as a key ID, key ARN, alias name (C(alias/example-root)) or alias ARN.
      - An alias is resolved once per run and every signature of the run uses that key.
    type: str
    required: true
    aliases: [key_arn]
attributes:
  check_mode:
    support: full
    description: Reports whether a certificate would be issued and why (RV(renewal_reason)); signs nothing and calls no AWS API.
  diff_mode:
    support: none
    description: The module writes no files; write its result with the certificate role or M(ansible.builtin.copy).
notes:
  - "IAM: C(kms:DescribeKey), C(kms:GetPublicKey) and C(kms:Sign) on this one key. See the
    collection's C(docs/kms.md) for a policy and for what a signature costs."
  - KMS signs messages of up to 4096 bytes itself (C(MessageType=RAW)). A longer
    TBSCertificate is hashed on the host running the module and signed as a digest.
  - One run of several O(requests) describes the key once and signs with up to four calls at a time.
seealso:
  - module: certfleet.pki.pkcs11_certificate
  - name: AWS KMS asymmetric keys
    description: Key specs and signing algorithms.
    link: https://docs.aws.amazon.com/kms/latest/developerguide/symmetric-asymmetric.html
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: Self-signed root CA certificate of the KMS key
  certfleet.pki.kms_certificate:
    key_id: alias/example-root-2026
    region: eu-west-1
    certificate_profile: root_ca
    subject: {CN: Example Root CA 2026, O: Example}
    validity_days: 7300
    current_certificate: /etc/pki/example/root.pem
  register: root

- name: Sign an ACM Private CA subordinate's CSR with the KMS root
  certfleet.pki.kms_certificate:
    key_id: alias/example-root-2026
    ca_certificate: "{{ root.certificate }}"
    csr: "{{ subordinate.csr }}"
    certificate_profile: subordinate_ca
    path_length: 0
    validity_days: 1825

- name: Server certificate for a host's CSR, signed on the controller
  certfleet.pki.kms_certificate:
    key_id: arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
    ca_certificate: /etc/pki/example/issuing.pem
    csr: "{{ host_csr.csr }}"
    common_name: www.example.com
    subject_alt_names: [DNS:www.example.com]
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

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.certfleet.pki.plugins.module_utils._aws_api import fail
from ansible_collections.certfleet.pki.plugins.module_utils._ca_key_issuance import (
    ca_key_argument_spec,
    ca_key_module_rules,
    check_ca_key_params,
    run_ca_key_issuance,
)
from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._errors import run_and_exit
from ansible_collections.certfleet.pki.plugins.module_utils._kms import KmsKeySource, kms_client

# Sign calls at a time in a batch: KMS answers each in tens of milliseconds, far under the
# account's shared Sign quota.
SIGN_WORKERS = 4
# The certificate profile's option: amazon.aws's O(profile) is the AWS credentials profile.
PROFILE_OPTION = "certificate_profile"


def run(module):
    key_source = KmsKeySource(kms_client(module), module.params["key_id"])
    return run_ca_key_issuance(module, key_source, workers=SIGN_WORKERS, profile_option=PROFILE_OPTION)


def main():
    argument_spec = ca_key_argument_spec(PROFILE_OPTION)
    argument_spec.update(key_id=dict(type="str", required=True, aliases=["key_arn"]))
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True, **ca_key_module_rules(PROFILE_OPTION))
    require_libraries(module, "cryptography", "asn1crypto")
    check_ca_key_params(module, PROFILE_OPTION)
    run_and_exit(module, run, report=fail)


if __name__ == "__main__":
    main()
