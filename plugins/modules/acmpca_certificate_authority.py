#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: acmpca_certificate_authority
short_description: Create, activate, disable or delete an AWS ACM Private CA
version_added: 0.1.0
description:
  - Ensures a ROOT or SUBORDINATE private CA exists, found by O(certificate_authority_arn) or
    by its C(Name) tag (O(name)), with the given key algorithm, subject, usage mode,
    revocation configuration and tags.
  - O(state=active) on a root self-issues its certificate with the C(RootCACertificate/V1)
    template and installs it. On a subordinate it returns the CA's CSR until O(certificate)
    and O(certificate_chain) are given, for example signed by an HSM root with
    M(certfleet.pki.pkcs11_certificate); then it imports them.
  - O(state=disabled) disables the CA; O(state=absent) disables and deletes it, restorable for
    O(permanent_deletion_time_in_days).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
options:
  certificate_authority_arn:
    description: ARN of the CA. One of O(certificate_authority_arn) and O(name) is required.
    type: str
  name:
    description: Value of the CA's C(Name) tag, used to find it and set on creation.
    type: str
  type:
    description: CA type, used on creation.
    type: str
    choices: [ROOT, SUBORDINATE]
    default: SUBORDINATE
  key_algorithm:
    description: CA key algorithm, used on creation.
    type: str
    choices: [RSA_2048, RSA_3072, RSA_4096, EC_prime256v1, EC_secp384r1, EC_secp521r1]
    default: EC_prime256v1
  signing_algorithm:
    description: CA signing algorithm, used on creation. Defaults to the one matching O(key_algorithm).
    type: str
    choices: [SHA256WITHECDSA, SHA384WITHECDSA, SHA512WITHECDSA, SHA256WITHRSA, SHA384WITHRSA, SHA512WITHRSA]
  subject:
    description:
      - "Subject in ACM PCA's field names, for example C({CommonName: Example Issuing CA, Organization: Example, Country: DE})."
      - Required to create a CA.
    type: dict
  usage_mode:
    description: C(GENERAL_PURPOSE), or C(SHORT_LIVED_CERTIFICATE) (validity of 7 days or less, cheaper). Used on creation.
    type: str
    choices: [GENERAL_PURPOSE, SHORT_LIVED_CERTIFICATE]
    default: GENERAL_PURPOSE
  revocation_configuration:
    description: C(RevocationConfiguration) as the API takes it (C(CrlConfiguration), C(OcspConfiguration)); updated when it differs.
    type: dict
  tags:
    description: Tags to set (existing other tags are kept).
    type: dict
  state:
    description: What the CA should be.
    type: str
    choices: [present, active, disabled, absent]
    default: active
  certificate:
    description: The subordinate CA's certificate signed outside ACM PCA (PEM content or a path), to import.
    type: str
  certificate_chain:
    description: The chain above O(certificate), ending with the root (PEM content or a path).
    type: str
  root_validity_years:
    description: Validity of a root CA's self-issued certificate.
    type: int
    default: 10
  permanent_deletion_time_in_days:
    description: With O(state=absent), days during which the deleted CA can be restored (7 to 30).
    type: int
    default: 30
attributes:
  check_mode:
    support: full
    description: Reports what would be created, activated, imported, disabled or deleted; changes nothing.
  diff_mode:
    support: none
    description: Not supported.
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: Issuing CA, subordinate to a root held elsewhere; returns its CSR
  certfleet.pki.acmpca_certificate_authority:
    name: example-issuing-2026
    type: SUBORDINATE
    key_algorithm: EC_prime256v1
    subject: {CommonName: Example Issuing CA 2026, Organization: Example}
  register: issuing

- name: Import the certificate the HSM root signed
  certfleet.pki.acmpca_certificate_authority:
    name: example-issuing-2026
    certificate: "{{ signed.certificate }}"
    certificate_chain: "{{ root.certificate }}"
'''

RETURN = r'''
certificate_authority_arn:
  description: ARN of the CA (null in check mode before creation).
  returned: unless state is absent and there was no CA
  type: str
status:
  description: The CA status after the run.
  returned: unless state is absent and there was no CA
  type: str
csr:
  description: The CA's certificate signing request (PEM), while it waits for a certificate.
  returned: when the status is PENDING_CERTIFICATE
  type: str
'''

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import is_ansible_aws_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.certfleet.pki.plugins.module_utils._acmpca import (
    AcmPcaError,
    acmpca_client,
    check_signing_algorithm,
    idempotency_token,
    list_certificate_authorities,
    template_arn,
)
from ansible_collections.certfleet.pki.plugins.module_utils._aws_api import api_call, api_wait, fail
from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import (
    certificate_facts,
    load_certificate,
    load_certificates,
    to_pem,
)


class Authority:
    """The CA as AWS reports it, and the calls that change it."""

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.changed = False

    def call(self, operation, what, **kwargs):
        return api_call(self.client, operation, what, **kwargs)

    def find(self):
        arn, name = self.module.params["certificate_authority_arn"], self.module.params["name"]
        if arn:
            try:
                return self.describe(arn)
            except is_ansible_aws_error_code("ResourceNotFoundException"):
                return None
        for authority in list_certificate_authorities(self.client):
            if authority["Status"] == "DELETED":
                continue
            tags = self.call("list_tags", "read the tags of CA %s" % authority["Arn"], CertificateAuthorityArn=authority["Arn"])
            if {"Key": "Name", "Value": name} in tags.get("Tags", []):
                return authority
        return None

    def describe(self, arn):
        return self.call("describe_certificate_authority", "describe CA %s" % arn,
                         CertificateAuthorityArn=arn)["CertificateAuthority"]

    def create(self):
        params = self.module.params
        if not params["subject"]:
            raise AcmPcaError("creating a CA needs subject")
        configuration = dict(KeyAlgorithm=params["key_algorithm"], Subject=params["subject"],
                             SigningAlgorithm=check_signing_algorithm(params["key_algorithm"], params["signing_algorithm"]))
        request = dict(CertificateAuthorityConfiguration=configuration, CertificateAuthorityType=params["type"],
                       UsageMode=params["usage_mode"])
        if params["revocation_configuration"]:
            request["RevocationConfiguration"] = params["revocation_configuration"]
        tags = dict(params["tags"] or {})
        if params["name"]:
            tags["Name"] = params["name"]
        if tags:
            request["Tags"] = [{"Key": k, "Value": str(v)} for k, v in sorted(tags.items())]
        request["IdempotencyToken"] = idempotency_token(params["name"], request)
        arn = self.call("create_certificate_authority", "create the CA", **request)["CertificateAuthorityArn"]
        self.wait("certificate_authority_csr_created", arn)
        self.changed = True
        return self.describe(arn)

    def wait(self, waiter, arn, **extra):
        api_wait(self.client, waiter, "wait for CA %s (%s)" % (arn, waiter), 2, 60, CertificateAuthorityArn=arn, **extra)

    def csr(self, arn):
        return self.call("get_certificate_authority_csr", "read the CSR of CA %s" % arn, CertificateAuthorityArn=arn)["Csr"]

    def self_issue_root(self, authority):
        arn = authority["Arn"]
        algorithm = authority["CertificateAuthorityConfiguration"]["SigningAlgorithm"]
        issued = self.call("issue_certificate", "self-issue the root certificate", CertificateAuthorityArn=arn,
                           Csr=self.csr(arn).encode(), SigningAlgorithm=algorithm,
                           TemplateArn=template_arn("RootCACertificate/V1", arn),
                           Validity={"Type": "YEARS", "Value": self.module.params["root_validity_years"]},
                           IdempotencyToken=idempotency_token(arn, "root certificate"))["CertificateArn"]
        self.wait("certificate_issued", arn, CertificateArn=issued)
        certificate = self.call("get_certificate", "fetch the root certificate %s" % issued, CertificateAuthorityArn=arn, CertificateArn=issued)
        self.import_certificate(arn, certificate["Certificate"], None)

    def import_certificate(self, arn, certificate_pem, chain_pem):
        request = dict(CertificateAuthorityArn=arn, Certificate=certificate_pem.encode())
        if chain_pem:
            request["CertificateChain"] = chain_pem.encode()
        self.call("import_certificate_authority_certificate", "import the CA certificate", **request)
        self.changed = True

    def installed_fingerprint(self, arn):
        reply = self.call("get_certificate_authority_certificate", "read the certificate of CA %s" % arn, CertificateAuthorityArn=arn)
        return certificate_facts(load_certificate(reply["Certificate"], "CA certificate"))["fingerprint_sha256"]

    def set_status(self, arn, status):
        self.call("update_certificate_authority", "set CA %s to %s" % (arn, status),
                  CertificateAuthorityArn=arn, Status=status)
        self.changed = True


def given_certificate(params):
    """(certificate PEM, chain PEM) to import, or (None, None)."""
    if not params["certificate"]:
        return None, None
    certificate = to_pem(load_certificate(params["certificate"], "certificate"))
    chain = "".join(to_pem(c) for c in load_certificates(params["certificate_chain"], "certificate_chain"))
    return certificate, chain


def activate(module, ca, authority):
    arn, status = authority["Arn"], authority["Status"]
    certificate, chain = given_certificate(module.params)
    if status == "PENDING_CERTIFICATE":
        if authority["Type"] == "ROOT":
            if not module.check_mode:
                ca.self_issue_root(authority)
            ca.changed = True
        elif certificate:
            if not module.check_mode:
                ca.import_certificate(arn, certificate, chain)
            ca.changed = True
    elif status == "DISABLED":
        if not module.check_mode:
            ca.set_status(arn, "ACTIVE")
        ca.changed = True
    elif status == "ACTIVE" and certificate and ca.installed_fingerprint(arn) != \
            certificate_facts(load_certificate(certificate, "certificate"))["fingerprint_sha256"]:
        # A renewed CA certificate for the same key.
        if not module.check_mode:
            ca.import_certificate(arn, certificate, chain)
        ca.changed = True


def converge(module, ca, authority):
    params = module.params
    arn = authority["Arn"]
    if params["state"] == "active":
        activate(module, ca, authority)
    elif params["state"] == "disabled" and authority["Status"] == "ACTIVE":
        if not module.check_mode:
            ca.set_status(arn, "DISABLED")
        ca.changed = True
    wanted_revocation = params["revocation_configuration"]
    if wanted_revocation and authority.get("RevocationConfiguration") != wanted_revocation:
        if not module.check_mode:
            ca.call("update_certificate_authority", "update the revocation configuration of %s" % arn, CertificateAuthorityArn=arn,
                    RevocationConfiguration=wanted_revocation)
        ca.changed = True
    if params["tags"]:
        have = dict((t["Key"], t["Value"]) for t in ca.call("list_tags", "read the tags of CA %s" % arn, CertificateAuthorityArn=arn).get("Tags", []))
        missing = [{"Key": k, "Value": str(v)} for k, v in sorted(params["tags"].items()) if have.get(k) != str(v)]
        if missing:
            if not module.check_mode:
                ca.call("tag_certificate_authority", "tag CA %s" % arn, CertificateAuthorityArn=arn, Tags=missing)
            ca.changed = True


def remove(module, ca, authority):
    if authority is None:
        return dict(changed=False)
    if not module.check_mode:
        arn = authority["Arn"]
        if authority["Status"] == "ACTIVE":
            ca.set_status(arn, "DISABLED")
        ca.call("delete_certificate_authority", "delete CA %s" % arn, CertificateAuthorityArn=arn,
                PermanentDeletionTimeInDays=module.params["permanent_deletion_time_in_days"])
    return dict(changed=True, certificate_authority_arn=authority["Arn"], status="DELETED")


def run(module, client):
    ca = Authority(module, client)
    authority = ca.find()
    if module.params["state"] == "absent":
        return remove(module, ca, authority)
    if authority is None:
        if module.check_mode:
            return dict(changed=True, certificate_authority_arn=None, status="CREATING")
        authority = ca.create()
    converge(module, ca, authority)
    authority = ca.describe(authority["Arn"]) if ca.changed and not module.check_mode else authority
    result = dict(changed=ca.changed, certificate_authority_arn=authority["Arn"], status=authority["Status"])
    if authority["Status"] == "PENDING_CERTIFICATE":
        result["csr"] = ca.csr(authority["Arn"])
    return result


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            certificate_authority_arn=dict(type="str"),
            name=dict(type="str"),
            type=dict(type="str", choices=["ROOT", "SUBORDINATE"], default="SUBORDINATE"),
            key_algorithm=dict(type="str", default="EC_prime256v1", choices=[
                "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]),
            signing_algorithm=dict(type="str", choices=["SHA256WITHECDSA", "SHA384WITHECDSA", "SHA512WITHECDSA",
                                                        "SHA256WITHRSA", "SHA384WITHRSA", "SHA512WITHRSA"]),
            subject=dict(type="dict"),
            usage_mode=dict(type="str", choices=["GENERAL_PURPOSE", "SHORT_LIVED_CERTIFICATE"], default="GENERAL_PURPOSE"),
            revocation_configuration=dict(type="dict"),
            tags=dict(type="dict"),
            state=dict(type="str", choices=["present", "active", "disabled", "absent"], default="active"),
            certificate=dict(type="str"),
            certificate_chain=dict(type="str"),
            root_validity_years=dict(type="int", default=10),
            permanent_deletion_time_in_days=dict(type="int", default=30),
        ),
        required_one_of=[("certificate_authority_arn", "name")],
        required_together=[("certificate", "certificate_chain")],
        supports_check_mode=True,
    )
    require_libraries(module, "cryptography")
    try:
        result = run(module, acmpca_client(module))
    except CertfleetError as error:
        fail(module, error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
