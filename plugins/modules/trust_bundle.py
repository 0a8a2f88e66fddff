#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: trust_bundle
short_description: Write an application trust bundle (PEM file of CA certificates)
version_added: 0.1.0
description:
  - Writes a PEM file holding exactly the given CA certificates, in the order given, each
    once, for applications that take a CA file rather than the OS store, for example
    C(ssl_client_certificate) of NGINX mutual TLS, Apache C(SSLCACertificateFile), or
    C(curl --cacert).
  - The file is rewritten whole and atomically, never appended to, so runs are idempotent.
  - A certificate that is not a CA, has expired, or does not parse is refused before
    anything is written.
options:
  path:
    description: The bundle file on the managed host.
    type: path
    required: true
  certificates:
    description:
      - CA certificates, each item PEM content or the path of a PEM file on the managed host;
        an item may hold several certificates. Duplicates (same SHA-256 fingerprint) are kept
        once, at their first place.
      - Required with O(state=present).
    type: list
    elements: str
  state:
    description: V(absent) removes the bundle file.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
    description: Reports whether the bundle would change; writes nothing.
  diff_mode:
    support: full
    description: Shows the certificates of the bundle (subject, fingerprint) before and after.
requirements:
  - cryptography >= 3.4
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: CA file for NGINX mutual TLS (clients from the issuing CA, chained to the root)
  certfleet.pki.trust_bundle:
    path: /etc/nginx/certfleet/client-ca.pem
    certificates:
      - "{{ issuing_ca_pem }}"
      - /usr/local/share/ca-certificates/example-root-0da41e7659bcb2ce.crt
    owner: root
    group: www-data
    mode: "0644"
'''

RETURN = r'''
certificates:
  description: The certificates in the bundle, in order.
  returned: always
  type: list
  elements: dict
  contains:
    subject:
      description: Subject (RFC 4514).
      type: str
    fingerprint_sha256:
      description: SHA-256 fingerprint, hex.
      type: str
    not_after:
      description: End of validity, ISO 8601.
      type: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError
from ansible_collections.certfleet.pki.plugins.module_utils._trust_bundles import plan_bundles


def run(module):
    plan = plan_bundles([module.params])[0]
    changed = plan.apply(module, module.load_file_common_arguments(module.params))
    return dict(changed=changed, certificates=plan.certificates, diff=plan.diff())


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            certificates=dict(type="list", elements="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_if=[("state", "present", ("certificates",))],
        add_file_common_args=True,
        supports_check_mode=True,
    )
    require_libraries(module, "cryptography")
    try:
        result = run(module)
    except CertfleetError as error:
        module.fail_json(msg=str(error))
    if not module._diff:  # pylint: disable=protected-access
        result.pop("diff")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
