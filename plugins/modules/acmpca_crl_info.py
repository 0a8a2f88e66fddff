#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: acmpca_crl_info
short_description: Fetch the CRL an ACM Private CA publishes in S3, verified against the CA certificate
version_added: 0.2.0
description:
  - Reads the CA's CRL configuration (C(RevocationConfiguration.CrlConfiguration)), fetches
    the CRL ACM Private CA writes to that S3 bucket (C(crl/<CA id>.crl), or under the CA's
    C(CustomPath)), and returns it in PEM after checking that the CA signed it and that it
    has not passed its nextUpdate.
  - Fails, naming the CA, when the CA publishes no CRL or the CRL is not there yet (ACM
    Private CA writes it within about 30 minutes of a revocation or of enabling CRLs).
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
seealso:
  - module: certfleet.pki.acmpca_certificate_authority
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: The current CRL of the production CA
  certfleet.pki.acmpca_crl_info:
    certificate_authority_arn: arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/0a1b2c3d-1111-2222-3333-444455556666
    region: eu-west-1
  register: pca_crl
'''

RETURN = r'''
crl:
  description: The CRL in PEM.
  returned: always
  type: str
s3_uri:
  description: Where it was read.
  returned: always
  type: str
  sample: s3://example-pca-crl/crl/0a1b2c3d-1111-2222-3333-444455556666.crl
crl_number:
  description: The CRL number.
  returned: always
  type: int
this_update:
  description: thisUpdate, ISO 8601 in UTC.
  returned: always
  type: str
next_update:
  description: nextUpdate, ISO 8601 in UTC.
  returned: always
  type: str
revoked_count:
  description: How many certificates it lists.
  returned: always
  type: int
'''

import datetime

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

try:
    from cryptography import x509
except ImportError:
    pass  # reported by require_libraries

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.certfleet.pki.plugins.module_utils._acmpca import AcmPcaError, acmpca_client
from ansible_collections.certfleet.pki.plugins.module_utils._aws_api import api_call, fail
from ansible_collections.certfleet.pki.plugins.module_utils._crl import crl_facts, next_update, to_pem, verifies
from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import load_certificate


def crl_location(arn, authority):
    """(bucket, key) of the CA's CRL in S3, from its CRL configuration."""
    configuration = authority.get("RevocationConfiguration", {}).get("CrlConfiguration", {})
    if not configuration.get("Enabled") or not configuration.get("S3BucketName"):
        raise AcmPcaError("CA %s publishes no CRL: enable CrlConfiguration with an S3 bucket "
                          "(certfleet.pki.acmpca_certificate_authority revocation options, or the console)" % arn)
    folder = (configuration.get("CustomPath") or "crl").strip("/")
    return configuration["S3BucketName"], "%s/%s.crl" % (folder, arn.rsplit("/", 1)[-1])


def fetch(module, arn, now=None):
    client = acmpca_client(module)
    authority = api_call(client, "describe_certificate_authority", "describe CA %s" % arn,
                         CertificateAuthorityArn=arn)["CertificateAuthority"]
    bucket, key = crl_location(arn, authority)
    ca_certificate = load_certificate(api_call(client, "get_certificate_authority_certificate",
                                               "read the certificate of CA %s" % arn,
                                               CertificateAuthorityArn=arn)["Certificate"], "CA certificate")
    s3 = module.client("s3", retry_decorator=AWSRetry.jittered_backoff())
    uri = "s3://%s/%s" % (bucket, key)
    try:
        der = s3.get_object(aws_retry=True, Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            raise AcmPcaError("CA %s has no CRL at %s yet (ACM Private CA writes it within about 30 minutes)" % (arn, uri))
        raise
    try:
        crl = x509.load_der_x509_crl(der)
    except ValueError as error:
        raise AcmPcaError("%s is not a DER CRL: %s" % (uri, error))
    if not verifies(crl, ca_certificate):
        raise AcmPcaError("the CRL at %s is not signed by CA %s; not used" % (uri, arn))
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if next_update(crl) is not None and next_update(crl) < now:
        raise AcmPcaError("the CRL at %s passed its nextUpdate (%s); verifiers would refuse every client"
                          % (uri, next_update(crl).isoformat()))
    return dict(crl=to_pem(crl), s3_uri=uri, **dict((k, v) for k, v in crl_facts(crl).items() if k != "issuer"))


def main():
    module = AnsibleAWSModule(argument_spec=dict(certificate_authority_arn=dict(type="str", required=True)),
                              supports_check_mode=True)
    require_libraries(module, "cryptography")
    try:
        result = fetch(module, module.params["certificate_authority_arn"])
    except CertfleetError as error:
        fail(module, error)
    except (BotoCoreError, ClientError) as error:
        module.fail_json_aws(error, msg="Failed to read the CRL of %s" % module.params["certificate_authority_arn"])
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
