# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a TLS endpoint serves: its certificate (whatever its validity), and whether its
chain verifies against given trust anchors for a given name."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import socket
import ssl

from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import certificate_facts

try:
    from cryptography import x509
except ImportError:
    pass  # modules report it through require_libraries


class ProbeError(CertfleetError):
    """The endpoint could not be reached or completed no handshake; the message says why."""


def _handshake(context, address, port, server_name, timeout):
    try:
        with socket.create_connection((address, port), timeout=timeout) as raw:
            with context.wrap_socket(raw, server_hostname=server_name) as tls:
                return tls.getpeercert(binary_form=True)
    except ssl.SSLCertVerificationError:
        raise
    except (OSError, ssl.SSLError) as error:
        raise ProbeError("%s:%d (%s): %s" % (address, port, server_name, error))


def _client_context(context, client_certificate, client_key):
    if client_certificate:
        context.load_cert_chain(client_certificate, client_key)
    return context


def served_certificate(address, port, server_name, timeout, client_certificate=None, client_key=None):
    """The DER of the certificate the endpoint serves for ``server_name``, not verified."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return _handshake(_client_context(context, client_certificate, client_key), address, port, server_name, timeout)


def chain_error(address, port, server_name, timeout, ca_file=None, client_certificate=None, client_key=None):
    """None when the served chain verifies for ``server_name`` against ``ca_file`` (the
    system trust store when None); otherwise what the verification said."""
    context = ssl.create_default_context(cafile=ca_file)
    try:
        _handshake(_client_context(context, client_certificate, client_key), address, port, server_name, timeout)
    except ssl.SSLCertVerificationError as error:
        return error.verify_message or str(error)
    return None


def served_and_chain_error(address, port, server_name, timeout, ca_file=None):
    """(DER of the served certificate, chain_error's answer): one verifying handshake when the
    chain verifies, a second one without verification to read the certificate when it does not."""
    context = ssl.create_default_context(cafile=ca_file)
    try:
        return _handshake(context, address, port, server_name, timeout), None
    except ssl.SSLCertVerificationError as error:
        return served_certificate(address, port, server_name, timeout), error.verify_message or str(error)


def describe_certificate(certificate):
    """What probes report about a certificate: subject, serial, validity, fingerprint."""
    return dict(certificate_facts(certificate), subject=certificate.subject.rfc4514_string())


def probe_endpoint(endpoint, expected, verify_chain=False, ca_file=None, client_certificate=None, client_key=None):
    """Whether ``endpoint`` (address, port, server_name, timeout) serves the certificate
    described by ``expected`` (describe_certificate), and, with ``verify_chain``, whether its
    chain verifies: a dict of serving, served (facts, or None without a handshake),
    chain_error and error (why it is not serving; None when it is)."""
    address, port, server_name, timeout = endpoint
    client = dict(client_certificate=client_certificate, client_key=client_key)
    result = dict(serving=False, served=None, chain_error=None, error=None)
    try:
        result["served"] = describe_certificate(x509.load_der_x509_certificate(served_certificate(*endpoint, **client)))
    except ProbeError as error:
        return dict(result, error=str(error))
    if result["served"]["fingerprint_sha256"] != expected["fingerprint_sha256"]:
        return dict(result, error="%s:%d serves %s serial %s, not the deployed certificate (serial %s)" % (
            address, port, result["served"]["subject"], result["served"]["serial"], expected["serial"]))
    if verify_chain:
        try:
            problem = chain_error(*endpoint, ca_file=ca_file, **client)
        except ProbeError as error:
            problem = str(error)
        if problem:
            return dict(result, chain_error=problem, error=(
                "%s:%d serves the deployed certificate, but its chain does not verify for %s: %s" % (
                    address, port, server_name, problem)))
    return dict(result, serving=True)
