#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: served_certificate
short_description: Check that a TLS endpoint serves the deployed certificate, with a chain that verifies
version_added: 0.1.0
description:
  - Opens a TLS connection from the host to O(address):O(port) with O(server_name) as SNI,
    and compares the SHA-256 fingerprint of the served certificate with O(certificate).
  - With O(verify_chain), a second handshake checks that the served chain verifies for
    O(server_name) against O(ca_file) (the system trust store when not set).
  - After a reload the old configuration can answer for a moment; O(wait) retries until
    the deployed certificate is served or the time is up.
  - With O(fail_on_mismatch=false) it only reports, so that a playbook can decide whether
    a reload is needed; a missing O(certificate) file is reported as RV(deployed=false)
    instead of failing.
  - Reads only; the same in check mode.
extends_documentation_fragment:
  - certfleet.pki.attributes.read_only
options:
  address:
    description: Address to connect to (the server's listen address, or C(127.0.0.1)).
    type: str
    required: true
  port:
    description: TCP port.
    type: int
    default: 443
  server_name:
    description: Name sent as SNI and checked against the certificate. Defaults to O(address).
    type: str
  certificate:
    description: The certificate that should be served (PEM content or a path on the host), normally C(<dir>/current/cert.pem).
    type: str
    required: true
  verify_chain:
    description: Also check that the served chain verifies for O(server_name) against O(ca_file).
    type: bool
    default: true
  ca_file:
    description: Trust anchors (PEM file on the host) for O(verify_chain). The system trust store when not set.
    type: path
  client_certificate:
    description: Client certificate (PEM file) to present to servers that require one.
    type: path
  client_key:
    description: Key of O(client_certificate) (PEM file).
    type: path
  timeout:
    description: Seconds allowed for each connection.
    type: float
    default: 5
  wait:
    description: Seconds to keep retrying until the deployed certificate is served (0 tries once).
    type: int
    default: 0
  fail_on_mismatch:
    description: Fail when the endpoint cannot be reached, serves another certificate, or its chain does not verify.
    type: bool
    default: true
requirements:
  - cryptography >= 3.4
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: After a reload, the deployed certificate is served and verifies against the private root
  certfleet.pki.served_certificate:
    address: 10.0.0.5
    port: 443
    server_name: www.example.internal
    certificate: /etc/certfleet/certs/web/current/cert.pem
    ca_file: /etc/certfleet/trust/root.pem
    wait: 10

- name: Is a reload needed? (report only)
  certfleet.pki.served_certificate:
    address: 127.0.0.1
    server_name: www.example.internal
    certificate: /etc/certfleet/certs/web/current/cert.pem
    verify_chain: false
    fail_on_mismatch: false
  register: served
'''

RETURN = r'''
deployed:
  description: Whether O(certificate) could be read; false only with O(fail_on_mismatch=false).
  returned: always
  type: bool
serving:
  description: True when the endpoint serves O(certificate) (and, with O(verify_chain), its chain verifies).
  returned: always
  type: bool
expected:
  description: Subject, serial, SHA-256 fingerprint and expiry of O(certificate); null when it is missing.
  returned: always
  type: dict
served:
  description: The same for the certificate the endpoint serves; null when no handshake completed.
  returned: always
  type: dict
chain_error:
  description: Why the served chain does not verify; null when it does or was not checked.
  returned: always
  type: str
error:
  description: Why RV(serving) is false; null when it is true.
  returned: always
  type: str
'''

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._tls_probe import describe_certificate, probe_endpoint
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import InputError, load_certificate


def probe_once(params, expected):
    endpoint = (params["address"], params["port"], params["server_name"], params["timeout"])
    return probe_endpoint(endpoint, expected, verify_chain=params["verify_chain"], ca_file=params["ca_file"],
                          client_certificate=params["client_certificate"], client_key=params["client_key"])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            address=dict(type="str", required=True),
            port=dict(type="int", default=443),
            server_name=dict(type="str"),
            certificate=dict(type="str", required=True),
            verify_chain=dict(type="bool", default=True),
            ca_file=dict(type="path"),
            client_certificate=dict(type="path"),
            client_key=dict(type="path", no_log=False),
            timeout=dict(type="float", default=5),
            wait=dict(type="int", default=0),
            fail_on_mismatch=dict(type="bool", default=True),
        ),
        required_together=[("client_certificate", "client_key")],
        supports_check_mode=True,
    )
    require_libraries(module, "cryptography")
    params = dict(module.params, server_name=module.params["server_name"] or module.params["address"])
    try:
        expected = describe_certificate(load_certificate(params["certificate"], "certificate"))
    except InputError as error:
        if params["fail_on_mismatch"]:
            module.fail_json(msg=str(error))
        module.exit_json(changed=False, deployed=False, serving=False, expected=None, served=None, chain_error=None,
                         error=str(error))

    deadline = time.monotonic() + params["wait"]
    while True:
        probe = probe_once(params, expected)
        if probe["serving"] or time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    result = dict(changed=False, deployed=True, expected=expected, serving=probe["serving"], served=probe["served"],
                  chain_error=probe["chain_error"], error=probe["error"])
    if not probe["serving"] and params["fail_on_mismatch"]:
        module.fail_json(msg=probe["error"], **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
