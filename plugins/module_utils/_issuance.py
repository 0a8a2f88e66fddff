# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The contract every issuer follows: the shared issuing options, one result shape and one
decide / check-mode / issue flow. An issuer module parses its own options into a backend
and hands it to run_issuance; the backend only knows how to judge the current certificate
against its CA and how to get a new one.

A backend has:
  current           the certificate in use now (cryptography object) or None;
  renewal_reason()  None while ``current`` still fits the request, else why not (never
                    called when the request is forced);
  current_chain()   the chain (PEM) to return with a kept certificate;
  issue()           (certificate or None when it is not ready yet, chain PEM, extra result fields);
  result_fields     fields every result of this issuer carries, with their empty values.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.certfleet.pki.plugins.module_utils._declaration_defaults import DEFAULT_RENEW_BEFORE
from ansible_collections.certfleet.pki.plugins.module_utils._issuance_policy import issuance_policy_argument_spec
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import certificate_facts, to_pem


def issuing_argument_spec():
    """The options every issuing module takes (documented by the certfleet.pki.issuing and
    certfleet.pki.issuance_policy doc fragments)."""
    spec = issuance_policy_argument_spec()
    spec.update(
        csr=dict(type="str"),
        current_certificate=dict(type="str"),
        renew_before=dict(type="str", default=DEFAULT_RENEW_BEFORE),
        force=dict(type="bool", default=False),
    )
    return spec


def certificate_result(certificate, chain_pem, reason, changed, **fields):
    """The one result shape: certificate, chain, fullchain, its facts and why it was issued."""
    result = dict(fields, changed=changed, renewal_reason=reason, chain=chain_pem)
    if certificate is None:
        return dict(result, certificate=None, fullchain=None)
    certificate_pem = to_pem(certificate)
    result.update(certificate_facts(certificate), certificate=certificate_pem,
                  fullchain=certificate_pem + (chain_pem or ""))
    return result


def run_issuance(module, backend):
    """Keep the current certificate while it fits; in check mode say what would be issued
    and why; otherwise issue. Nothing is signed or bought unless a reason is found."""
    reason = "forced" if module.params["force"] else backend.renewal_reason()
    if reason is None:
        return certificate_result(backend.current, backend.current_chain(), None, False, **backend.result_fields)
    if module.check_mode:
        return certificate_result(None, None, reason, True, **backend.result_fields)
    certificate, chain_pem, fields = backend.issue()
    return certificate_result(certificate, chain_pem, reason, True, **dict(backend.result_fields, **fields))
