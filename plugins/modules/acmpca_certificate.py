#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: acmpca_certificate
short_description: Issue or revoke certificates with AWS ACM Private CA
version_added: 0.1.0
description:
  - Issues a certificate for a certificate signing request from an ACM Private CA, or
    revokes one.
  - Idempotent and frugal. When O(current_certificate) was issued by this CA for the same
    public key, subject, subject alternative names and template profile, and is outside the
    renewal window, it is returned and nothing is bought. Each request carries an idempotency
    token derived from the CSR and the request, so a retried or re-run task within AWS's
    5-minute window gets the certificate it already paid for.
  - Refuses, before calling IssueCertificate, when the CA is not ACTIVE, the signing
    algorithm does not fit the CA key, or the certificate would outlive the CA certificate.
  - C(ThrottlingException) and C(RequestInProgressException) are retried with jittered
    backoff, so fleet runs with many forks stay within the IssueCertificate quota.
  - The CSR's names are checked against O(common_name), O(subject_alt_names) and the issuer
    policy (O(allowed_names), O(allowed_profiles), O(max_validity_days)) before any call to
    AWS; a request they do not allow buys nothing.
extends_documentation_fragment:
  - certfleet.pki.issuing
  - certfleet.pki.issuance_policy
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
options:
  certificate_authority_arn:
    description: ARN of the issuing private CA.
    type: str
    required: true
  state:
    description:
      - V(present) issues a certificate when none fits; V(revoked) revokes O(serial) or O(current_certificate).
    type: str
    choices: [present, revoked]
    default: present
  template_arn:
    description:
      - Certificate template, as an ARN or a short name such as C(EndEntityServerAuthCertificate)
        (C(/V1) is assumed) or C(SubordinateCACertificate_PathLen0/V1).
    type: str
    default: EndEntityCertificate/V1
  signing_algorithm:
    description:
      - Signature algorithm. Defaults to the one matching the CA key, read with
        DescribeCertificateAuthority (for example C(SHA256WITHECDSA) for C(EC_prime256v1)).
    type: str
    choices: [SHA256WITHECDSA, SHA384WITHECDSA, SHA512WITHECDSA, SHA256WITHRSA, SHA384WITHRSA, SHA512WITHRSA, SM3WITHSM2]
  validity_days:
    description: Validity in days, at least 1. Mutually exclusive with O(validity). Defaults to 90, the collection's one default validity.
    type: int
  validity:
    description:
      - Validity as ACM PCA takes it, for O(validity.type) C(MONTHS), C(YEARS), C(END_DATE)
        (C(YYYYMMDDHHMMSS)) or C(ABSOLUTE) (seconds since the epoch). Defaults to 90 days.
    type: dict
    suboptions:
      type:
        description: Validity type.
        type: str
        required: true
        choices: [DAYS, MONTHS, YEARS, END_DATE, ABSOLUTE]
      value:
        description: Validity value.
        type: int
        required: true
  validity_not_before:
    description:
      - Start of validity. ACM PCA takes only an absolute time here.
    type: dict
    suboptions:
      type:
        description: Validity type; ACM PCA accepts only C(ABSOLUTE) for the start.
        type: str
        required: true
        choices: [ABSOLUTE]
      value:
        description: Seconds since the epoch.
        type: int
        required: true
  api_passthrough:
    description:
      - C(ApiPassthrough) of IssueCertificate (extensions, subject). Only the C(*_APIPassthrough)
        and C(*_APICSRPassthrough) templates honour it, so it is refused with any other template
        (C(*_CSRPassthrough) templates copy the CSR's extensions, not the API's).
    type: dict
  ca_certificate:
    description:
      - The CA certificate (PEM content or a path). When given, deciding whether
        O(current_certificate) still fits needs no call to the CA.
    type: str
  replaces:
    description:
      - Serial number (hex) of the certificate the new one replaces (the serial of
        O(current_certificate) when that is given). It is part of the idempotency token, so a
        forced renewal or a revocation's replacement never gets back, within AWS's 5-minute
        window, the very certificate it replaces.
    type: str
  requests:
    description:
      - Several certificate signing requests of this issuer, signed in one module run (the
        certificate role sends one run per issuer per batch of hosts). Each entry takes the
        options below; an option it leaves out is the module's. Mutually exclusive with O(csr).
      - Each request is decided and checked alone. A request that fails (a CSR the
        declaration or the policy does not allow, an error of the CA) gets C(failed) and
        C(msg) in its own entry of RV(certificates); the others go on, and the module does not fail.
      - The CA is described once; IssueCertificate runs for each request due, by up to
        O(max_concurrency) threads and at most O(issue_rate) a second, each with its own
        idempotency token; throttling is retried per request, never by re-running the batch.
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
      replaces:
        description: Serial of the certificate this request replaces (see O(replaces)).
        type: str
  max_concurrency:
    description: With O(requests), how many requests are issued and awaited at once.
    type: int
    default: 10
  issue_rate:
    description:
      - With O(requests), the most IssueCertificate calls a second (the account quota is 25;
        GetCertificate's is 75, and each waiting request polls it once a second).
    type: float
    default: 20.0
  wait:
    description: Wait until the CA has signed and return the certificate; otherwise return only its ARN.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the certificate.
    type: int
    default: 120
  serial:
    description:
      - Serial number (hex, with or without colons) to revoke. With O(state=revoked) and no
        O(serial), the serial of O(current_certificate) is revoked.
      - When O(current_certificate) comes from a host, give the host's declared O(common_name)
        and O(subject_alt_names) instead of a serial. The certificate must then be PEM content,
        signed by this CA (O(ca_certificate), or the CA's certificate read from ACM PCA) and
        carry exactly those names, or nothing is revoked. A compromised host cannot have another
        host's certificate revoked by reporting its serial (the certificate role always does this).
    type: str
  revocation_reason:
    description: Reason recorded in the CRL.
    type: str
    default: UNSPECIFIED
    choices: [UNSPECIFIED, KEY_COMPROMISE, CERTIFICATE_AUTHORITY_COMPROMISE, AFFILIATION_CHANGED, SUPERSEDED,
              CESSATION_OF_OPERATION, PRIVILEGE_WITHDRAWN, A_A_COMPROMISE]
attributes:
  check_mode:
    support: full
    description: Reports whether a certificate would be issued (and why) or revoked; calls nothing that changes or costs.
  diff_mode:
    support: none
    description: The module writes no files.
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: Server certificate for a host's CSR, only when due
  certfleet.pki.acmpca_certificate:
    certificate_authority_arn: "{{ issuing_ca_arn }}"
    region: eu-west-1
    csr: "{{ host_csr.csr }}"
    template_arn: EndEntityServerAuthCertificate
    validity_days: 90
    current_certificate: "{{ served.content | b64decode if served.content is defined else omit }}"
    renew_before: 30d
  register: issued

- name: Revoke a certificate whose key leaked
  certfleet.pki.acmpca_certificate:
    certificate_authority_arn: "{{ issuing_ca_arn }}"
    state: revoked
    serial: 5c0e2a7f3b1d4e6a8c9b0d1e2f3a4b5c
    revocation_reason: KEY_COMPROMISE
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
  description: The certificate (PEM); the current one when nothing was due; null in check mode or without O(wait).
  returned: state is present
  type: str
chain:
  description: The chain above the certificate (PEM), as ACM PCA returns it; null in check mode when one would be issued.
  returned: state is present
  type: str
certificate_chain:
  description: The same as RV(chain), the name this module used before 0.2.0.
  returned: state is present
  type: str
fullchain:
  description: RV(certificate) followed by RV(chain).
  returned: state is present
  type: str
certificate_arn:
  description: ARN of the issued certificate; null when nothing was issued.
  returned: state is present
  type: str
serial:
  description: Serial number, lower-case hex.
  returned: when a certificate is returned or revoked
  type: str
not_before:
  description: Start of validity, ISO 8601 UTC.
  returned: when a certificate is returned
  type: str
not_after:
  description: End of validity, ISO 8601 UTC.
  returned: when a certificate is returned
  type: str
renewal_reason:
  description: Why a certificate was (or would be) issued; null when the current one was kept.
  returned: state is present
  type: str
'''

import contextlib

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import is_ansible_aws_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.certfleet.pki.plugins.module_utils._acmpca import (
    AcmPcaError,
    RateLimiter,
    acmpca_client,
    serial_for_api,
)
from ansible_collections.certfleet.pki.plugins.module_utils._acmpca_issuance import (
    PrivateCaIssuer,
    describe_authority,
    owned_serial,
)
from ansible_collections.certfleet.pki.plugins.module_utils._aws_api import api_call, fail
from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError
from ansible_collections.certfleet.pki.plugins.module_utils._issuance import (
    issuing_argument_spec,
    requests_argument_spec,
    run_issuance,
    run_issuance_batch,
)
from ansible_collections.certfleet.pki.plugins.module_utils._requests import request_entries
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import (
    certificate_facts,
    load_certificate,
    read_pem_input,
)

VALIDITY_SPEC = dict(type=dict(type="str", required=True, choices=["DAYS", "MONTHS", "YEARS", "END_DATE", "ABSOLUTE"]),
                     value=dict(type="int", required=True))
# The botocore model: ValidityNotBefore takes the ABSOLUTE type only.
NOT_BEFORE_SPEC = dict(type=dict(type="str", required=True, choices=["ABSOLUTE"]),
                       value=dict(type="int", required=True))


def present(module, client):
    if module.params["requests"] is not None:
        return present_batch(module, client)
    # A single O(csr) is the operator's own: it may name a file on the machine running the module.
    result = run_issuance(module, PrivateCaIssuer(dict(module.params, csr=read_pem_input(module.params["csr"], "csr")),
                                                  client))
    result["certificate_chain"] = result["chain"]
    return result


def present_batch(module, client):
    """Every request of O(requests): the CA described once, IssueCertificate paced under
    O(issue_rate) by up to O(max_concurrency) threads, each request with its own idempotency
    token and its own waiter; throttling is retried per request."""
    batch = {"limiter": RateLimiter(module.params["issue_rate"])}

    @contextlib.contextmanager
    def described():  # opened only when something is due
        batch["authority"] = describe_authority(client, module.params["certificate_authority_arn"])
        yield None

    results = run_issuance_batch(module, request_entries(module.params), lambda options: PrivateCaIssuer(options, client, batch),
                                 session=described, workers=module.params["max_concurrency"])
    return dict(changed=any(result["changed"] for result in results), certificates=results)


def revoked(module, client):
    params = module.params
    if params["current_certificate"] and (params["common_name"] or params["subject_alt_names"]):
        if params["serial"]:
            raise AcmPcaError("serial cannot be given with the declared names: the serial revoked is that of "
                              "current_certificate, once it is shown to carry those names")
        serial = owned_serial(params, client)
    elif params["serial"]:
        serial = params["serial"].replace(":", "").lower()
    elif params["current_certificate"]:
        serial = certificate_facts(load_certificate(params["current_certificate"], "current_certificate"))["serial"]
    else:
        raise AcmPcaError("state=revoked needs serial or current_certificate")
    if module.check_mode:
        return dict(changed=True, serial=serial)
    try:
        api_call(client, "revoke_certificate", "revoke serial %s (RevokeCertificate)" % serial,
                 CertificateAuthorityArn=params["certificate_authority_arn"], CertificateSerial=serial_for_api(serial),
                 RevocationReason=params["revocation_reason"])
    except is_ansible_aws_error_code("RequestAlreadyProcessedException"):
        return dict(changed=False, serial=serial)
    return dict(changed=True, serial=serial)


def main():
    argument_spec = issuing_argument_spec()
    argument_spec.update(requests_argument_spec(replaces=dict(type="str")))
    argument_spec.update(
        max_concurrency=dict(type="int", default=10),
        issue_rate=dict(type="float", default=20.0),
        certificate_authority_arn=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "revoked"], default="present"),
        template_arn=dict(type="str", default="EndEntityCertificate/V1"),
        signing_algorithm=dict(type="str", choices=["SHA256WITHECDSA", "SHA384WITHECDSA", "SHA512WITHECDSA",
                                                    "SHA256WITHRSA", "SHA384WITHRSA", "SHA512WITHRSA",
                                                    "SM3WITHSM2"]),
        validity_days=dict(type="int"),
        validity=dict(type="dict", options=VALIDITY_SPEC),
        validity_not_before=dict(type="dict", options=NOT_BEFORE_SPEC),
        api_passthrough=dict(type="dict", no_log=False),
        ca_certificate=dict(type="str"),
        replaces=dict(type="str"),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=120),
        serial=dict(type="str"),
        revocation_reason=dict(type="str", default="UNSPECIFIED", choices=[
            "UNSPECIFIED", "KEY_COMPROMISE", "CERTIFICATE_AUTHORITY_COMPROMISE", "AFFILIATION_CHANGED",
            "SUPERSEDED", "CESSATION_OF_OPERATION", "PRIVILEGE_WITHDRAWN", "A_A_COMPROMISE"]),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=[("validity_days", "validity"), ("csr", "requests")],
        required_if=[("state", "present", ("csr", "requests"), True)],
        supports_check_mode=True,
    )
    require_libraries(module, "cryptography")
    client = acmpca_client(module)
    try:
        result = present(module, client) if module.params["state"] == "present" else revoked(module, client)
    except CertfleetError as error:
        fail(module, error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
