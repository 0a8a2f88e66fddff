# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issuing with a CA key the collection signs with itself (a PKCS#11 token, an AWS KMS key):
the request parsed and checked before the key is touched, the backend of the issuing
contract (see _issuance.py), and the run shared by pkcs11_certificate and kms_certificate.

Where the key is comes as a key source:
  open()           a context manager whose value is the session of one run or batch (a
                   logged-in token; for KMS a signer that has read the key once);
  signer(session)  the signer (see _signers.py) of the CA key in that session.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.certfleet.pki.plugins.module_utils._certificate_builder import build_certificate
from ansible_collections.certfleet.pki.plugins.module_utils._issuance import (
    issuing_argument_spec,
    requests_argument_spec,
    run_issuance,
    run_issuance_batch,
)
from ansible_collections.certfleet.pki.plugins.module_utils._issuance_policy import check_request
from ansible_collections.certfleet.pki.plugins.module_utils._renewal import parse_renew_before, renewal_reason
from ansible_collections.certfleet.pki.plugins.module_utils._requests import request_entries
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import (
    load_certificate,
    load_certificates,
    load_csr,
    parse_general_name,
    parse_subject,
    read_pem_input,
    subject_alt_names_of,
    to_pem,
)

PROFILES = ("server", "client", "server_client", "code_signing", "subordinate_ca", "root_ca")
# End-entity profiles: what one request of a batch may ask for.
BATCH_PROFILES = ("server", "client", "server_client", "code_signing")
DEFAULT_VALIDITY_DAYS = {"root_ca": 3650, "subordinate_ca": 1825}


def ca_key_argument_spec(profile_option="profile"):
    """The options of a CA-key issuing module besides where the key is (documented by the
    certfleet.pki.ca_key, issuing and issuance_policy doc fragments). ``profile_option`` names
    the certificate profile's option: the AWS modules' C(profile) is the AWS profile."""
    spec = issuing_argument_spec()
    spec.update(requests_argument_spec(**{profile_option: dict(type="str", choices=list(BATCH_PROFILES))}))
    spec.update({profile_option: dict(type="str", default="server", choices=list(PROFILES))})
    spec.update(
        ca_certificate=dict(type="str"),
        ca_chain=dict(type="str"),
        subject=dict(type="dict"),
        path_length=dict(type="int"),
        validity_days=dict(type="int"),
        validity_clamp=dict(type="bool", default=True),
        crl_distribution_points=dict(type="list", elements="str"),
        ocsp_url=dict(type="str"),
        ca_issuers_url=dict(type="str"),
    )
    return spec


def ca_key_module_rules(profile_option="profile"):
    """required_if and mutually_exclusive for the module built on ca_key_argument_spec."""
    return dict(
        required_if=[(profile_option, "root_ca", ("subject",))] + [
            (profile_option, profile, required, any_of) for profile in BATCH_PROFILES + ("subordinate_ca",)
            for required, any_of in ((("csr", "requests"), True), (("ca_certificate",), False))],
        mutually_exclusive=[("csr", "requests")],
    )


def check_ca_key_params(module, profile_option="profile"):
    """Fail on what the argument spec cannot express."""
    params = module.params
    if params[profile_option] == "root_ca" and (params["csr"] or params["ca_certificate"] or params["requests"] is not None):
        module.fail_json(msg="%s root_ca self-signs the CA key: csr, requests and ca_certificate do not apply"
                             % profile_option)
    if params["validity_days"] is not None and params["validity_days"] < 1:
        module.fail_json(msg="validity_days must be at least 1, got %d" % params["validity_days"])


class CaRequest:
    """What the module was asked for, parsed and checked before the CA key is touched."""

    def __init__(self, params, profile_option="profile"):
        self.params = params
        self.profile = params[profile_option]
        self.self_signed = self.profile == "root_ca"
        parse_renew_before(params["renew_before"])
        self.current = load_certificate(params["current_certificate"], "current_certificate") \
            if params["current_certificate"] else None
        self.chain = [] if self.self_signed else (
            [load_certificate(params["ca_certificate"], "ca_certificate")]
            + load_certificates(params["ca_chain"], "ca_chain"))
        self.ca_certificate = self.chain[0] if self.chain else None
        self.csr = None if self.self_signed else load_csr(params["csr"])
        self.validity_days = DEFAULT_VALIDITY_DAYS.get(self.profile, 365) if params["validity_days"] is None \
            else params["validity_days"]
        if self.csr is not None:
            check_request(self.csr, self.profile, self.validity_days, params)
        if params["subject"]:
            self.subject = parse_subject(params["subject"])
        elif params["common_name"] is not None:
            self.subject = parse_subject({"CN": params["common_name"]})
        else:
            self.subject = self.csr.subject
        if params["subject_alt_names"] is not None:
            self.subject_alt_names = [parse_general_name(name) for name in params["subject_alt_names"]]
        else:
            self.subject_alt_names = subject_alt_names_of(self.csr) if self.csr else []


class CaKeyIssuer:
    """The CA-key backend of the issuing contract. The key is used only to issue, except for
    a root, whose public key is the CA key itself."""

    result_fields = {}

    def __init__(self, params, request, key_source, session=None):
        self.params = params
        self.request = request
        self.key_source = key_source
        self.session = session
        self.current = request.current

    def public_key(self):
        if self.request.self_signed:
            return self.key_source.signer(self.session).public_key
        return self.request.csr.public_key()

    def renewal_reason(self):
        request = self.request
        return renewal_reason(request.current, dict(
            ca_certificate=request.ca_certificate, public_key=self.public_key(), subject=request.subject,
            subject_alt_names=request.subject_alt_names, profile=request.profile), self.params["renew_before"])

    def current_chain(self):
        return "".join(to_pem(certificate) for certificate in self.request.chain)

    def issue(self, session=None):
        """Sign in ``session`` (a batch's), the session this issuer holds, or one opened
        for this one certificate."""
        session = session or self.session
        if session is None:
            with self.key_source.open() as opened:
                return self.issue(opened)
        params, request = self.params, self.request
        certificate, clamped = build_certificate(
            self.key_source.signer(session), request.profile, request.subject, self.public_key(),
            issuer_certificate=request.ca_certificate, subject_alt_names=request.subject_alt_names,
            validity_days=request.validity_days, validity_clamp=params["validity_clamp"],
            path_length=params["path_length"], crl_distribution_points=params["crl_distribution_points"],
            ocsp_url=params["ocsp_url"], ca_issuers_url=params["ca_issuers_url"])
        return certificate, self.current_chain(), dict(validity_clamped=clamped)


def run_ca_key_issuance(module, key_source, workers=1, profile_option="profile"):
    """The module's result. Every request of O(requests) is signed in one session (by up to
    ``workers`` threads); a single request is decided from its inputs alone, so a run with
    nothing due never opens the key, except for a root, which certifies the key itself."""
    params = module.params
    if params["requests"] is not None:
        results = run_issuance_batch(module, request_entries(module.params),
                                     lambda options: CaKeyIssuer(options, CaRequest(options, profile_option), key_source),
                                     session=key_source.open, workers=workers)
        return dict(changed=any(result["changed"] for result in results), certificates=results)
    # A single O(csr) is the operator's own: it may name a file on the machine running the module.
    request = CaRequest(dict(params, csr=read_pem_input(params["csr"], "csr")), profile_option)
    if request.self_signed:
        with key_source.open() as session:
            return run_issuance(module, CaKeyIssuer(params, request, key_source, session))
    return run_issuance(module, CaKeyIssuer(params, request, key_source))
