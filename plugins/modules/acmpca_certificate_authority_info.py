#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: acmpca_certificate_authority_info
short_description: Read an AWS ACM Private CA, its certificate and its trust bundle
version_added: 0.1.0
description:
  - Returns the state of a private CA and, once it has a certificate, the certificate, the
    chain above it, and a trust bundle (the CA and every certificate above it, root last)
    ready for M(certfleet.pki.trust_anchor) or M(certfleet.pki.trust_bundle).
extends_documentation_fragment:
  - certfleet.pki.attributes.read_only
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
options:
  certificate_authority_arn:
    description: ARN of the private CA.
    type: str
    required: true
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: Read the issuing CA
  certfleet.pki.acmpca_certificate_authority_info:
    certificate_authority_arn: "{{ issuing_ca_arn }}"
    region: eu-west-1
  register: pca
  run_once: true

- name: Every host trusts the hierarchy
  certfleet.pki.trust_anchor:
    name: prod-pca
    certificate: "{{ pca.trust_bundle }}"
'''

RETURN = r'''
status:
  description: CREATING, PENDING_CERTIFICATE, ACTIVE, DISABLED, EXPIRED, FAILED or DELETED.
  returned: always
  type: str
type:
  description: ROOT or SUBORDINATE.
  returned: always
  type: str
key_algorithm:
  description: The CA key algorithm, for example C(EC_prime256v1).
  returned: always
  type: str
signing_algorithm:
  description: The CA's configured signing algorithm.
  returned: always
  type: str
usage_mode:
  description: GENERAL_PURPOSE or SHORT_LIVED_CERTIFICATE.
  returned: when AWS reports it
  type: str
not_after:
  description: End of validity of the CA certificate, ISO 8601 UTC.
  returned: when the CA has a certificate
  type: str
certificate:
  description: The CA certificate (PEM).
  returned: when the CA has a certificate and its state lets AWS return it
  type: str
certificate_chain:
  description: The certificates above the CA (PEM), as AWS returns them.
  returned: when the CA has a certificate
  type: str
trust_bundle:
  description: The CA certificate and every certificate above it, issuer after subject, root last (PEM).
  returned: when the CA has a certificate
  type: str
'''

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import is_ansible_aws_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.certfleet.pki.plugins.module_utils._acmpca import acmpca_client
from ansible_collections.certfleet.pki.plugins.module_utils._aws_api import api_call, fail
from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import (
    load_certificate,
    load_certificates,
    order_upwards,
    to_pem,
)

HAS_CERTIFICATE = ("ACTIVE", "DISABLED", "EXPIRED")


def describe(client, arn):
    authority = api_call(client, "describe_certificate_authority", "describe CA %s" % arn,
                         CertificateAuthorityArn=arn)["CertificateAuthority"]
    configuration = authority["CertificateAuthorityConfiguration"]
    result = dict(status=authority["Status"], type=authority["Type"], key_algorithm=configuration["KeyAlgorithm"],
                  signing_algorithm=configuration["SigningAlgorithm"], usage_mode=authority.get("UsageMode"))
    if authority.get("NotAfter"):
        result["not_after"] = authority["NotAfter"].isoformat()
    return result


def certificates(client, arn):
    try:
        reply = api_call(client, "get_certificate_authority_certificate", "read the certificate of CA %s" % arn,
                         CertificateAuthorityArn=arn)
    except is_ansible_aws_error_code("InvalidStateException"):
        return {}  # a CA whose state withholds its certificate: RV(status) says which
    certificate = load_certificate(reply["Certificate"], "CA certificate")
    above = load_certificates(reply["CertificateChain"], "CA chain") if reply.get("CertificateChain") else []
    return dict(certificate=to_pem(certificate), certificate_chain="".join(to_pem(c) for c in above),
                trust_bundle="".join(to_pem(c) for c in order_upwards(certificate, above)))


def main():
    module = AnsibleAWSModule(argument_spec=dict(certificate_authority_arn=dict(type="str", required=True)),
                              supports_check_mode=True)
    require_libraries(module, "cryptography")
    client = acmpca_client(module)
    arn = module.params["certificate_authority_arn"]
    try:
        result = describe(client, arn)
        if result["status"] in HAS_CERTIFICATE:
            result.update(certificates(client, arn))
    except CertfleetError as error:
        fail(module, error)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
