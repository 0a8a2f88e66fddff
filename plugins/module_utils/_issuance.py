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
  issue(session)    (certificate or None when it is not ready yet, chain PEM, extra result fields);
                    ``session`` is what the batch opened for all its requests, or None;
  result_fields     fields every result of this issuer carries, with their empty values.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.certfleet.pki.plugins.module_utils._declaration_defaults import DEFAULT_RENEW_BEFORE
from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError, failure_result
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


def requests_argument_spec(**extra):
    """The O(requests) option of the issuing modules: several CSRs of one issuer signed in
    one run. Each entry takes the shared issuing options (and the module's ``extra`` ones)
    without their defaults, so that what an entry leaves out is the module's value."""
    options = dict((name, dict((key, value) for key, value in spec.items() if key != "default"))
                   for name, spec in issuing_argument_spec().items() if name != "renew_before")
    options["csr"]["required"] = True
    options.update(validity_days=dict(type="int"), **extra)
    return dict(requests=dict(type="list", elements="dict", options=options))


def certificate_result(certificate, chain_pem, reason, changed, **fields):
    """The one result shape: certificate, chain, fullchain, its facts and why it was issued."""
    result = dict(fields, changed=changed, renewal_reason=reason, chain=chain_pem)
    if certificate is None:
        return dict(result, certificate=None, fullchain=None)
    certificate_pem = to_pem(certificate)
    result.update(certificate_facts(certificate), certificate=certificate_pem,
                  fullchain=certificate_pem + (chain_pem or ""))
    return result


def _without_issuing(module, backend, reason):
    """The result when nothing is to be issued now (kept, or check mode), else None."""
    if reason is None:
        return certificate_result(backend.current, backend.current_chain(), None, False, **backend.result_fields)
    if module.check_mode:
        return certificate_result(None, None, reason, True, **backend.result_fields)
    return None


def _issued(backend, reason, session):
    certificate, chain_pem, fields = backend.issue(session)
    return certificate_result(certificate, chain_pem, reason, True, **dict(backend.result_fields, **fields))


def _reason(options, backend):
    return "forced" if options["force"] else backend.renewal_reason()


def run_issuance(module, backend):
    """Keep the current certificate while it fits; in check mode say what would be issued
    and why; otherwise issue. Nothing is signed or bought unless a reason is found."""
    reason = _reason(module.params, backend)
    return _without_issuing(module, backend, reason) or _issued(backend, reason, None)


def run_issuance_batch(module, requests, backend_for, session=None, workers=1):
    """Several requests of one issuer, in one module run. Each is decided alone (a run with
    nothing due opens no session); those due are issued in one ``session`` (a context manager
    whose value each backend's issue() takes: one HSM login for the batch), by up to
    ``workers`` threads. A request that fails, for any reason (a host's CSR can make a library
    raise anything: a duplicate extension, an overflowing date), gets its own result with
    failed and msg, and the others go on. Returns one result per request, in order, with its
    requester."""
    results, pending = [None] * len(requests), []
    for index, options in enumerate(requests):
        try:
            backend = backend_for(options)
            reason = _reason(options, backend)
            results[index] = _without_issuing(module, backend, reason)
            if results[index] is None:
                pending.append((index, backend, reason))
        except Exception as error:  # pylint: disable=broad-except  # one request's fault is its own
            results[index] = failure_result(options, error)
    if pending:
        try:
            with (session() if session else _no_session()) as opened:
                def issue(item):
                    index, backend, reason = item
                    try:
                        return index, _issued(backend, reason, opened)
                    except Exception as error:  # pylint: disable=broad-except
                        return index, failure_result(requests[index], error)
                with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
                    for index, result in pool.map(issue, pending):
                        results[index] = result
        except CertfleetError as error:  # the session itself failed: every pending request with it
            for index, _backend, _why in pending:
                results[index] = failure_result(requests[index], error)
    for options, result in zip(requests, results):
        result["requester"] = options.get("requester")
    return results


@contextlib.contextmanager
def _no_session():
    yield None
