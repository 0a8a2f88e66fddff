#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: secretsmanager_certificate
short_description: Read a certificate and its key from an AWS Secrets Manager secret when its version is new
version_added: 0.2.0
description:
  - For certificates that something else issues and writes into a secret (the Secrets
    Manager rotation pattern, a Lambda that renews and stores certificate and key as JSON).
  - Describes the secret and finds the version at O(version_stage). While that version is
    O(current_version_id), the version the host was installed from, the secret's value is
    not read at all. Otherwise it reads that version, checks that the key belongs to the
    certificate and that the certificate carries the expected names, and returns the key
    encrypted with O(passphrase) for the host to decrypt.
  - The secret's value is a JSON object; O(certificate_field), O(private_key_field) and
    O(chain_field) name its fields, each PEM.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
options:
  secret_id:
    description: Name or ARN of the secret.
    type: str
    required: true
  version_stage:
    description: The staging label of the version to install.
    type: str
    default: AWSCURRENT
  certificate_field:
    description: The JSON field that holds the certificate (PEM).
    type: str
    default: certificate
  private_key_field:
    description: The JSON field that holds the unencrypted private key (PEM).
    type: str
    default: private_key
  chain_field:
    description: The JSON field that holds the chain above the certificate (PEM); a missing field means no chain.
    type: str
    default: certificate_chain
  current_version_id:
    description: The secret version the host's certificate was installed from; nothing is read while it is current.
    type: str
  subject_alt_names:
    description:
      - The names the certificate must carry, exactly (C(DNS:) or C(IP:) prefixed, or bare DNS
        names). A certificate with other names is refused. Not checked when omitted.
    type: list
    elements: str
  passphrase:
    description:
      - Passphrase the returned private key is encrypted with, at least 16 characters; make one
        per run and give it to the host that decrypts the key. Never logged. Required unless in check mode.
    type: str
  requests:
    description:
      - Several hosts' copies of this secret's certificate in one run. The secret is described,
        and read at most once, for all of them. Each entry takes O(current_version_id) and
        O(subject_alt_names), and a C(requester).
    type: list
    elements: dict
    suboptions:
      requester:
        description: Who the certificate is for (C(host/name)); each result and error names it.
        type: str
      current_version_id:
        description: See O(current_version_id).
        type: str
      subject_alt_names:
        description: See O(subject_alt_names).
        type: list
        elements: str
attributes:
  check_mode:
    support: full
    description: Says whether a new version would be installed; reads no secret value.
  diff_mode:
    support: none
    description: The module writes no files; the certificate role installs its result with M(certfleet.pki.certificate_deploy).
notes:
  - "IAM: C(secretsmanager:DescribeSecret) and C(secretsmanager:GetSecretValue) on the secret
    (and C(kms:Decrypt) on its KMS key). See the collection's C(docs/acm.md)."
  - The key is in the secret unencrypted, so it is in the memory of the host that runs this
    module. Run it on the host that uses the certificate (C(certfleet_issue_on_host), an
    instance role) to keep the key on that host only.
seealso:
  - module: certfleet.pki.certificate_deploy
  - module: certfleet.pki.acm_private_certificate
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: The secret's current certificate, read only when it is a new version
  certfleet.pki.secretsmanager_certificate:
    secret_id: prod/tls/www
    current_version_id: "{{ installed.origin | default(omit) }}"
    subject_alt_names: [DNS:www.example.com]
    passphrase: "{{ run_passphrase }}"
  register: www
'''

RETURN = r'''
certificates:
  description:
    - With O(requests), one result per request, in order, each with the fields below and C(requester).
    - A request that failed has C(failed=true) and C(msg).
  returned: when O(requests) is given
  type: list
  elements: dict
version_id:
  description: The secret version at O(version_stage); install it as the certificate's origin.
  returned: always
  type: str
certificate:
  description: The secret's certificate, PEM; null when nothing was read.
  returned: always
  type: str
chain:
  description: The secret's chain, PEM; null when nothing was read.
  returned: always
  type: str
private_key:
  description: The secret's private key as PKCS#8 PEM encrypted with O(passphrase); null when nothing was read.
  returned: always
  type: str
serial:
  description: Serial number of the certificate, lower-case hex.
  returned: when the secret was read
  type: str
not_after:
  description: End of validity of the certificate, ISO 8601 in UTC.
  returned: when the secret was read
  type: str
delivery_reason:
  description: Why the version is (or in check mode would be) installed; null when the host has it.
  returned: always
  type: str
'''

import json

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.certfleet.pki.plugins.module_utils._aws_api import api_call, fail
from ansible_collections.certfleet.pki.plugins.module_utils._delivery import (
    DeliveryError,
    check_names,
    check_pair,
    check_passphrase,
    deliver_each,
    delivery_result,
    encrypted_key,
)
from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._errors import run_and_exit
from ansible_collections.certfleet.pki.plugins.module_utils._requests import request_entries
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import load_certificate, load_certificates, to_pem

try:
    from cryptography.hazmat.primitives import serialization
except ImportError:
    pass  # reported by require_libraries


def staged_version(client, params):
    secret = api_call(client, "describe_secret", "describe secret %s" % params["secret_id"], SecretId=params["secret_id"])
    for version_id, stages in (secret.get("VersionIdsToStages") or {}).items():
        if params["version_stage"] in stages:
            return version_id
    raise DeliveryError("secret %s has no version labelled %s" % (params["secret_id"], params["version_stage"]))


def read_version(client, params, version_id):
    """(certificate, chain, private key) of the secret's version, checked to belong together."""
    source = "secret %s version %s" % (params["secret_id"], version_id)
    value = api_call(client, "get_secret_value", "read secret %s" % params["secret_id"],
                     SecretId=params["secret_id"], VersionId=version_id).get("SecretString")
    try:
        fields = json.loads(value or "")
    except ValueError:
        raise DeliveryError("%s is not a JSON object (a binary or plain-text secret)" % source)
    if not isinstance(fields, dict):
        raise DeliveryError("%s is not a JSON object" % source)
    missing = [field for field in (params["certificate_field"], params["private_key_field"]) if not fields.get(field)]
    if missing:
        raise DeliveryError("%s has no field %s (fields: %s)" % (source, ", ".join(missing), ", ".join(sorted(fields))))
    certificate = load_certificate(fields[params["certificate_field"]], "%s field %s" % (source, params["certificate_field"]))
    chain_pem = fields.get(params["chain_field"])  # optional: a certificate its root signs directly has none
    chain = load_certificates(chain_pem, "%s field %s" % (source, params["chain_field"])) if chain_pem else []
    try:
        key = serialization.load_pem_private_key(fields[params["private_key_field"]].encode(), password=None)
    except (ValueError, TypeError):
        raise DeliveryError("%s field %s is not an unencrypted PEM private key" % (source, params["private_key_field"]))
    check_pair(certificate, key, source)
    return certificate, "".join(to_pem(c) for c in chain), key


# The options a request may give for itself; the module's own fill what it leaves out.
REQUEST_KEYS = ("current_version_id", "subject_alt_names")


def run(module):
    params = module.params
    if not module.check_mode:
        check_passphrase(params["passphrase"])
    client = module.client("secretsmanager", retry_decorator=AWSRetry.jittered_backoff(retries=8, delay=1, max_delay=15))
    version_id = staged_version(client, params)
    source = "secret %s version %s" % (params["secret_id"], version_id)
    read = []  # the version, read at most once for every request of the run

    def deliver(request):
        if request["current_version_id"] == version_id:
            return dict(changed=False, version_id=version_id, certificate=None, chain=None, private_key=None,
                        delivery_reason=None)
        reason = ("the secret's version %s replaces %s" % (version_id, request["current_version_id"])
                  if request["current_version_id"] else "the host has no certificate from the secret yet")
        if module.check_mode:
            return dict(changed=True, version_id=version_id, certificate=None, chain=None, private_key=None,
                        delivery_reason=reason)
        if not read:
            read.append(read_version(client, params, version_id))
        certificate, chain_pem, key = read[0]
        if request["subject_alt_names"] is not None:
            check_names(certificate, request["subject_alt_names"], source)
        return delivery_result(certificate, chain_pem, reason, encrypted_key(key, params["passphrase"]),
                               changed=True, version_id=version_id)

    if params["requests"] is None:
        return deliver(request_entries(params, REQUEST_KEYS)[0])
    return dict(deliver_each(request_entries(params, REQUEST_KEYS), deliver), version_id=version_id)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            secret_id=dict(type="str", required=True),
            version_stage=dict(type="str", default="AWSCURRENT"),
            certificate_field=dict(type="str", default="certificate"),
            private_key_field=dict(type="str", default="private_key", no_log=False),
            chain_field=dict(type="str", default="certificate_chain"),
            current_version_id=dict(type="str"),
            subject_alt_names=dict(type="list", elements="str"),
            passphrase=dict(type="str", no_log=True),
            requests=dict(type="list", elements="dict", options=dict(
                requester=dict(type="str"),
                current_version_id=dict(type="str"),
                subject_alt_names=dict(type="list", elements="str"),
            )),
        ),
        mutually_exclusive=[("requests", "current_version_id"), ("requests", "subject_alt_names")],
        supports_check_mode=True,
    )
    require_libraries(module, "cryptography")
    run_and_exit(module, run, report=fail)


if __name__ == "__main__":
    main()
