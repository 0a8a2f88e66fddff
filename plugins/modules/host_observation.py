#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: host_observation
short_description: Read everything the certfleet roles check on a host, in one module run
version_added: 0.4.0
description:
  - Answers, in one run on the host, what M(certfleet.pki.trust_store),
    M(certfleet.pki.certificate_status) and M(certfleet.pki.tls_server_config) would answer in
    check mode, computed by the same code, and the digest of each CRL file the certfleet.pki.crl
    role keeps.
  - C(playbooks/tasks/observe.yml) runs it before the roles of C(playbooks/site.yml); each role
    then runs its writing module only where its part says something would change, so that a run
    with nothing due executes this one module on each host.
  - Reads only, whether or not the play runs in check mode; it never removes the staged keys
    that M(certfleet.pki.certificate_status) would remove, it reports them.
  - Every part is checked against the options of the module that writes it before anything is
    read; a bad value fails the run with the part and the field named.
options:
  trust:
    description:
      - The options of M(certfleet.pki.trust_store) (C(anchors), C(bundles), C(platform)).
      - Omit it to observe no trust store.
    type: dict
  certificates:
    description:
      - The options of M(certfleet.pki.certificate_status) (C(certificates), C(host), C(jitter), ...).
      - Omit it to observe no certificate.
    type: dict
  servers:
    description:
      - For each TLS server, the options of M(certfleet.pki.tls_server_config) (C(server),
        C(content), C(endpoints), C(mode), ...).
    type: list
    elements: dict
    default: []
  crls:
    description:
      - The CRL files to read, as C(paths), with the C(owner), C(group) and C(mode) they should
        have. Omit it to observe no CRL file.
    type: dict
attributes:
  check_mode:
    support: full
    description: Reads only, in check mode or not.
  diff_mode:
    support: none
    description: Shows no diff; the modules that write show theirs.
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: Observe the host once (playbooks/tasks/observe.yml builds every part from the roles' plans)
  certfleet.pki.host_observation:
    trust:
      anchors: [{name: corp-root, certificate: "{{ corp_root_pem }}"}]
    certificates:
      host: "{{ inventory_hostname }}"
      certificates: "{{ __certfleet_planned | map(attribute='status') | list }}"
    servers:
      - server: nginx
        content: "{{ lookup('ansible.builtin.template', 'nginx.conf.j2') }}"
        endpoints: [{address: 127.0.0.2, server_name: web1.example.internal, certificate_dir: /etc/certfleet/certs/web}]
    crls:
      paths: [/etc/certfleet/crl/lab-hsm.pem]
      owner: root
      group: root
      mode: "0644"
  register: observation
'''

RETURN = r'''
trust:
  description: What M(certfleet.pki.trust_store) returns in check mode (C(changed), C(anchors), C(bundles)); null when not observed.
  returned: always
  type: dict
certificates:
  description:
    - What M(certfleet.pki.certificate_status) returns in check mode (C(certificates), C(due),
      C(removed_staged_keys), the staged keys a real run would remove); null when not observed.
  returned: always
  type: dict
servers:
  description: For each server of O(servers), in order, what M(certfleet.pki.tls_server_config) returns in check mode, with C(server).
  returned: always
  type: list
  elements: dict
crls:
  description: One entry per path of O(crls).
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The file.
      type: str
    sha256:
      description: SHA-256 of the file's text; null when the file does not exist.
      type: str
    attributes_changed:
      description: Whether its owner, group or mode differ from O(crls).
      type: bool
  sample: [{path: /etc/certfleet/crl/lab-hsm.pem, sha256: 3f2a..., attributes_changed: false}]
changed:
  description: Always false; the module writes nothing.
  returned: always
  type: bool
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._errors import run_and_exit
from ansible_collections.certfleet.pki.plugins.module_utils._host_observation import observe


def main():
    module = AnsibleModule(
        argument_spec=dict(
            trust=dict(type="dict"),
            certificates=dict(type="dict"),
            servers=dict(type="list", elements="dict", default=[]),
            crls=dict(type="dict"),
        ),
        supports_check_mode=True,
    )
    require_libraries(module, "cryptography")
    run_and_exit(module, observe)


if __name__ == "__main__":
    main()
