# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ACM Private CA backend of the issuing contract (module_utils/_issuance.py), beside the
CA-key backends of _ca_key_issuance.py: judge the current certificate against the CA, buy a new
one, and prove a reported certificate is this CA's and the host's own before it is revoked.
acmpca_certificate is its module shell."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

from ansible_collections.certfleet.pki.plugins.module_utils._acmpca import (
    AcmPcaError,
    check_signing_algorithm,
    idempotency_token,
    is_api_passthrough,
    profile_of_template,
    template_arn,
    template_name,
    validity_end,
)
from ansible_collections.certfleet.pki.plugins.module_utils._aws_api import api_call, api_wait
from ansible_collections.certfleet.pki.plugins.module_utils._declaration_defaults import DEFAULT_VALIDITY_DAYS
from ansible_collections.certfleet.pki.plugins.module_utils._issuance_policy import (
    PolicyError,
    check_csr_names,
    check_lifetime,
    check_request,
)
from ansible_collections.certfleet.pki.plugins.module_utils._renewal import parse_renew_before, renewal_reason
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import (
    PEM_MARKER,
    certificate_facts,
    directly_issued_by,
    load_certificate,
    load_certificates,
    load_csr,
    subject_alt_names_of,
    to_pem,
)


def api_validity(params):
    if params["validity"]:
        validity = {"Type": params["validity"]["type"], "Value": params["validity"]["value"]}
    else:
        validity = {"Type": "DAYS", "Value": DEFAULT_VALIDITY_DAYS if params["validity_days"] is None
                    else params["validity_days"]}
    if validity["Value"] < 1:
        raise AcmPcaError("the validity must be at least 1 (%s), got %d" % (validity["Type"], validity["Value"]))
    if validity["Type"] == "DAYS":
        check_lifetime(validity["Value"])
    return validity


def validity_days_of(validity, now):
    """The validity in whole days (rounded up), for the issuer policy's max_validity_days."""
    return int(-(-(validity_end(validity, now) - now).total_seconds() // 86400))


class PrivateCaIssuer:
    """The ACM Private CA backend of the issuing contract (module_utils/_issuance.py): one
    request, checked before anything is bought."""

    result_fields = {"certificate_arn": None}

    def __init__(self, params, client, batch=None):
        self.params = params
        self.client = client
        # What a batch shares: the CA as DescribeCertificateAuthority gave it once, and the
        # RateLimiter that paces IssueCertificate under the account quota.
        self.batch = batch or {}
        self.ca_arn = params["certificate_authority_arn"]
        self.template = template_arn(params["template_arn"], self.ca_arn)
        if params["api_passthrough"] and not is_api_passthrough(self.template):
            raise AcmPcaError("api_passthrough is only honoured by *APIPassthrough / *APICSRPassthrough templates, "
                              "not by %s" % self.template)
        self.csr = load_csr(params["csr"])
        self.csr_pem = params["csr"]
        self.current = load_certificate(params["current_certificate"], "current_certificate") \
            if params["current_certificate"] else None
        self.validity = api_validity(params)
        parse_renew_before(params["renew_before"])
        profile = profile_of_template(self.template) or template_name(self.template)
        check_request(self.csr, profile, validity_days_of(self.validity, datetime.datetime.now(datetime.timezone.utc)),
                      params)
        self.chain_pem = None

    def replaced_serial(self):
        if self.params["replaces"]:
            return self.params["replaces"].replace(":", "").lower()
        return certificate_facts(self.current)["serial"] if self.current else None

    def ca_certificate(self):
        """The CA certificate; the chain above the current certificate is kept for current_chain()."""
        certificate, self.chain_pem = authority_certificate(self.client, self.ca_arn, self.params["ca_certificate"])
        return certificate

    def renewal_reason(self):
        if self.current is None:
            return "no current certificate"  # decided without a call to AWS
        return renewal_reason(self.current, dict(
            ca_certificate=self.ca_certificate(), public_key=self.csr.public_key(), subject=self.csr.subject,
            subject_alt_names=subject_alt_names_of(self.csr), profile=profile_of_template(self.template)),
            self.params["renew_before"])

    def current_chain(self):
        return self.chain_pem

    def checked_request(self):
        """The IssueCertificate arguments, after the CA's state, key and lifetime allow them."""
        authority = self.batch.get("authority") or describe_authority(self.client, self.ca_arn)
        if authority["Status"] != "ACTIVE":
            raise AcmPcaError("CA %s is %s, not ACTIVE: it cannot issue" % (self.ca_arn, authority["Status"]))
        key_algorithm = authority["CertificateAuthorityConfiguration"]["KeyAlgorithm"]
        algorithm = check_signing_algorithm(key_algorithm, self.params["signing_algorithm"])
        ca_end = authority.get("NotAfter")
        end = validity_end(self.validity, datetime.datetime.now(datetime.timezone.utc))
        if ca_end is not None and end > ca_end:
            raise AcmPcaError("the certificate would end %s, after the CA certificate (%s); shorten the validity"
                              % (end.isoformat(), ca_end.isoformat()))
        request = dict(CertificateAuthorityArn=self.ca_arn, Csr=self.csr_pem.encode(), SigningAlgorithm=algorithm,
                       TemplateArn=self.template, Validity=self.validity)
        if self.params["validity_not_before"]:
            not_before = self.params["validity_not_before"]
            request["ValidityNotBefore"] = {"Type": not_before["type"], "Value": not_before["value"]}
        if self.params["api_passthrough"]:
            request["ApiPassthrough"] = self.params["api_passthrough"]
        fingerprinted = dict((k, v) for k, v in request.items() if k not in ("Csr", "CertificateAuthorityArn"))
        request["IdempotencyToken"] = idempotency_token(self.ca_arn, self.csr_pem, fingerprinted, self.replaced_serial())
        return request

    def issue(self, session=None):  # pylint: disable=unused-argument
        """Buy one certificate (a batch shares the client; ``session`` is not used)."""
        request = self.checked_request()
        if self.batch.get("limiter"):
            self.batch["limiter"].wait()
        arn = api_call(self.client, "issue_certificate", "issue a certificate from CA %s (IssueCertificate)" % self.ca_arn,
                       **request)["CertificateArn"]
        if not self.params["wait"]:
            return None, None, dict(certificate_arn=arn)
        fetch = "fetch certificate %s; re-running within 5 minutes returns the same certificate" % arn
        api_wait(self.client, "certificate_issued", fetch, 1, max(1, self.params["wait_timeout"]),
                 CertificateAuthorityArn=self.ca_arn, CertificateArn=arn)
        reply = api_call(self.client, "get_certificate", fetch, CertificateAuthorityArn=self.ca_arn, CertificateArn=arn)
        return (load_certificate(reply["Certificate"], "issued certificate"),
                reply.get("CertificateChain", "").strip() + "\n", dict(certificate_arn=arn))


def authority_certificate(client, ca_arn, ca_certificate=None):
    """(the CA certificate, the PEM of it and the chain above it): O(ca_certificate) when given,
    else read from the CA."""
    if ca_certificate:
        certificates = load_certificates(ca_certificate, "ca_certificate")
        return certificates[0], "".join(to_pem(c) for c in certificates)
    reply = api_call(client, "get_certificate_authority_certificate", "read the certificate of CA %s" % ca_arn,
                     CertificateAuthorityArn=ca_arn)
    chain_pem = (reply["Certificate"].strip() + "\n" + reply.get("CertificateChain", "").strip()).strip() + "\n"
    return load_certificate(reply["Certificate"], "CA certificate"), chain_pem


def describe_authority(client, ca_arn):
    return api_call(client, "describe_certificate_authority", "describe CA %s" % ca_arn,
                    CertificateAuthorityArn=ca_arn)["CertificateAuthority"]


def owned_serial(params, client):
    """The serial of O(current_certificate), a host's report, once it is shown to be this CA's
    certificate for exactly the declared names: a host cannot have another host's certificate
    revoked by reporting its serial."""
    text = params["current_certificate"]
    if PEM_MARKER not in text:
        raise AcmPcaError("current_certificate must be PEM content when the declared names are given")
    certificate = load_certificate(text, "current_certificate")
    ca, _chain = authority_certificate(client, params["certificate_authority_arn"], params["ca_certificate"])
    serial = certificate_facts(certificate)["serial"]
    if not directly_issued_by(certificate, ca):
        raise AcmPcaError("serial %s was not issued by CA %s; nothing was revoked" % (serial, params["certificate_authority_arn"]))
    try:
        check_csr_names(certificate, params["common_name"], params["subject_alt_names"], "certificate %s" % serial)
    except PolicyError as error:
        raise AcmPcaError("%s; it is not this host's certificate, nothing was revoked" % error)
    return serial
