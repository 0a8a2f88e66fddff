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
  - certfleet.pki.issuing
  - certfleet.pki.issuance_policy
options:
  profile:
    description:
      - What the certificate is for, which sets its extensions.
      - V(server), V(client), V(server_client) and V(code_signing) are end-entity
        certificates (C(CA:FALSE)) with the matching extended key usage.
      - V(subordinate_ca) signs the CSR of an intermediate CA (for example an ACM Private CA
        subordinate); V(root_ca) self-signs the token key, needs O(subject) and takes no CSR.
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
      - All requests are signed with one library load, one session and one login.
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
      max_validity_days:
        description: Issuer policy for this request (see O(max_validity_days)).
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
  ca_certificate:
    description:
      - The certificate of the CA key on the token, as PEM content or a path.
      - Required unless O(profile=root_ca).
    type: str
  ca_chain:
    description:
      - Certificates above the CA certificate (PEM content or a path), issuer first, root last.
        They are appended to RV(chain) and RV(fullchain).
    type: str
  subject:
    description:
      - "The subject as a dictionary, for example C({CN: Example Root, O: Example}); keys as
        in community.crypto's openssl_csr (C(CN), C(O), C(OU), C(C), C(ST), C(L),
        C(emailAddress), long forms too)."
      - Required for O(profile=root_ca). For the other profiles it replaces the CSR's subject;
        O(common_name) is the simpler way to state the one name a server certificate carries.
    type: dict
  path_length:
    description: The C(pathLenConstraint) of a CA certificate (CA profiles only).
    type: int
  validity_days:
    description:
      - How long the certificate is valid, in days.
      - Defaults to 365 for end-entity certificates, 1825 for V(subordinate_ca) and 3650 for V(root_ca).
    type: int
  validity_clamp:
    description:
      - When the requested validity would outlive the CA certificate, end the certificate
        with the CA certificate (V(true)) or fail (V(false)).
    type: bool
    default: true
  crl_distribution_points:
    description: URLs for the CRL distribution points extension.
    type: list
    elements: str
  ocsp_url:
    description: OCSP responder URL for the authority information access extension.
    type: str
  ca_issuers_url:
    description: URL of the issuing CA's certificate for the authority information access extension.
    type: str
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

from ansible_collections.certfleet.pki.plugins.module_utils._certificate_builder import build_certificate
from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._errors import run_and_exit
from ansible_collections.certfleet.pki.plugins.module_utils._issuance import (
    batch_requests,
    issuing_argument_spec,
    requests_argument_spec,
    run_issuance,
    run_issuance_batch,
)
from ansible_collections.certfleet.pki.plugins.module_utils._issuance_policy import check_request
from ansible_collections.certfleet.pki.plugins.module_utils._pkcs11_token import open_token, pkcs11_argument_spec
from ansible_collections.certfleet.pki.plugins.module_utils._renewal import parse_renew_before, renewal_reason
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import (
    load_certificate,
    load_certificates,
    load_csr,
    parse_general_name,
    parse_subject,
    subject_alt_names_of,
    to_pem,
)

DEFAULT_VALIDITY_DAYS = {"root_ca": 3650, "subordinate_ca": 1825}
# End-entity profiles: what one request of a batch may ask for.
BATCH_PROFILES = ("server", "client", "server_client", "code_signing")


class Request:
    """What the module was asked for, parsed and checked before any token is opened."""

    def __init__(self, params):
        self.params = params
        self.profile = params["profile"]
        self.self_signed = self.profile == "root_ca"
        parse_renew_before(params["renew_before"])
        self.current = load_certificate(params["current_certificate"], "current_certificate") \
            if params["current_certificate"] else None
        self.chain = [] if self.self_signed else (
            [load_certificate(params["ca_certificate"], "ca_certificate")]
            + load_certificates(params["ca_chain"], "ca_chain"))
        self.ca_certificate = self.chain[0] if self.chain else None
        self.csr = None if self.self_signed else load_csr(params["csr"])
        self.validity_days = params["validity_days"] or DEFAULT_VALIDITY_DAYS.get(self.profile, 365)
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


class TokenIssuer:
    """The PKCS#11 backend of the issuing contract (module_utils/_issuance.py). The token is
    opened only to issue, except for a root, whose public key is the token key itself."""

    result_fields = {}

    def __init__(self, params, request, token=None):
        self.params = params
        self.request = request
        self.token = token
        self.current = request.current

    def public_key(self):
        if self.request.self_signed:
            return self.token.signer(self.params["key_label"]).public_key
        return self.request.csr.public_key()

    def renewal_reason(self):
        request = self.request
        return renewal_reason(request.current, dict(
            ca_certificate=request.ca_certificate, public_key=self.public_key(), subject=request.subject,
            subject_alt_names=request.subject_alt_names, profile=request.profile), self.params["renew_before"])

    def current_chain(self):
        return "".join(to_pem(certificate) for certificate in self.request.chain)

    def issue(self, session=None):
        """Sign with ``session`` (a batch's open token), the token this issuer holds, or a
        token opened for this one certificate."""
        token = session or self.token
        if token is None:
            with open_token(self.params) as opened:
                return self.issue(opened)
        params, request = self.params, self.request
        certificate, clamped = build_certificate(
            token.signer(params["key_label"]), request.profile, request.subject, self.public_key(),
            issuer_certificate=request.ca_certificate, subject_alt_names=request.subject_alt_names,
            validity_days=request.validity_days, validity_clamp=params["validity_clamp"],
            path_length=params["path_length"], crl_distribution_points=params["crl_distribution_points"],
            ocsp_url=params["ocsp_url"], ca_issuers_url=params["ca_issuers_url"])
        return certificate, self.current_chain(), dict(validity_clamped=clamped)


def run_batch(module):
    """Every request of O(requests) with one library load, one session and one login."""
    results = run_issuance_batch(module, batch_requests(module), lambda options: TokenIssuer(options, Request(options)),
                                 session=lambda: open_token(module.params))
    return dict(changed=any(result["changed"] for result in results), certificates=results)


def run(module):
    if module.params["requests"] is not None:
        return run_batch(module)
    request = Request(module.params)
    if request.self_signed:
        # A root certifies the token key itself: the token is opened to read that key.
        with open_token(module.params) as token:
            return run_issuance(module, TokenIssuer(module.params, request, token))
    # Decided from the inputs alone: a run with nothing due never opens the token.
    return run_issuance(module, TokenIssuer(module.params, request))


def main():
    argument_spec = pkcs11_argument_spec()
    argument_spec.update(issuing_argument_spec())
    argument_spec.update(requests_argument_spec(profile=dict(type="str", choices=list(BATCH_PROFILES))))
    argument_spec.update(
        profile=dict(type="str", default="server",
                     choices=["server", "client", "server_client", "code_signing", "subordinate_ca", "root_ca"]),
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
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("profile", "root_ca", ("subject",))] + [
            (key, profile, required, any_of) for profile in BATCH_PROFILES + ("subordinate_ca",)
            for key, required, any_of in (("profile", ("csr", "requests"), True), ("profile", ("ca_certificate",), False))],
        mutually_exclusive=[("csr", "requests")],
    )
    require_libraries(module, "cryptography", "asn1crypto", "pkcs11")
    if module.params["profile"] == "root_ca" and (module.params["csr"] or module.params["ca_certificate"]
                                                  or module.params["requests"] is not None):
        module.fail_json(msg="profile root_ca self-signs the token key: csr, requests and ca_certificate do not apply")
    if module.params["validity_days"] is not None and module.params["validity_days"] < 1:
        module.fail_json(msg="validity_days must be at least 1, got %d" % module.params["validity_days"])
    run_and_exit(module, run)


if __name__ == "__main__":
    main()
