#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: trust_store
short_description: A host's OS trust anchors and application CA bundles, in one run
version_added: 0.2.0
description:
  - Does what M(certfleet.pki.trust_anchor) does for every anchor group and what
    M(certfleet.pki.trust_bundle) does for every bundle file, in one run on the host. This is
    what the C(certfleet.pki.trust_store) role uses, so a host's trust costs one module run
    whatever the number of groups and bundles. A run where nothing changed writes nothing and
    runs no command.
  - Every group and bundle is checked first (names, certificates that do not parse, are not
    CAs or have expired, a group or path declared twice); nothing is written if any is refused,
    and the message names the group or the file.
  - The OS update command (C(update-ca-certificates) or C(update-ca-trust extract)) runs once
    for all the anchor groups that changed, and the rebuilt system bundle is checked. If the
    command fails, every group's anchor files are put back as they were and no bundle is written.
options:
  anchors:
    description:
      - Groups of OS trust anchors, as the options of M(certfleet.pki.trust_anchor).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - Name of the group, the prefix of its files in the OS anchor directory. With
            O(anchors[].state=present) the group holds exactly the certificates given.
        type: str
        required: true
      certificate:
        description:
          - CA certificates as PEM content or the path of a PEM file on the managed host; may
            hold several. Required with O(anchors[].state=present). With V(absent), only these
            are removed from the group; without it, the whole group is removed.
        type: str
      state:
        description: Whether the certificates are trusted.
        type: str
        choices: [present, absent]
        default: present
  bundles:
    description:
      - Application CA files, as the options of M(certfleet.pki.trust_bundle).
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: The bundle file on the managed host.
        type: path
        required: true
      certificates:
        description:
          - CA certificates, each item PEM content or the path of a PEM file on the managed
            host, kept in order, each once. Required with O(bundles[].state=present).
        type: list
        elements: str
      owner:
        description: Owner of the file.
        type: str
      group:
        description: Group of the file.
        type: str
      mode:
        description: Mode of the file, as for M(ansible.builtin.file).
        type: raw
        default: "0644"
      state:
        description: V(absent) removes the bundle file.
        type: str
        choices: [present, absent]
        default: present
  platform:
    description:
      - OS trust store layout for O(anchors). V(auto) reads C(/etc/os-release), and only when
        O(anchors) is not empty.
    type: str
    choices: [auto, debian, rhel, suse, alpine]
    default: auto
attributes:
  check_mode:
    support: full
    description: Reports what would be added, removed or rewritten; writes nothing and runs no update.
  diff_mode:
    support: full
    description: One diff per anchor group and per bundle that changes (file, subject, fingerprint or expiry).
requirements:
  - cryptography >= 3.4
seealso:
  - module: certfleet.pki.trust_anchor
  - module: certfleet.pki.trust_bundle
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: Trust the private roots, and give NGINX its client CA file
  certfleet.pki.trust_store:
    anchors:
      - name: example-root
        certificate: "{{ lookup('file', 'pki/root.pem') }}"
      - name: example-root-2020
        state: absent
    bundles:
      - path: /etc/nginx/certfleet/client-ca.pem
        certificates: ["{{ lookup('file', 'pki/issuing.pem') }}"]
        group: www-data
        mode: "0640"
'''

RETURN = r'''
platform:
  description: The trust store layout used for the anchors (empty when no anchor group is given).
  returned: always
  type: str
  sample: debian
anchors:
  description: Each anchor group after the run, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The group.
      type: str
    changed:
      description: Whether files of the group were added or removed.
      type: bool
    added:
      description: Anchor files written.
      type: list
      elements: str
    removed:
      description: Anchor files removed.
      type: list
      elements: str
    anchors:
      description: The group's anchor files after the run (path, subject, fingerprint_sha256, not_after).
      type: list
      elements: dict
bundles:
  description: Each bundle after the run, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The bundle file.
      type: str
    changed:
      description: Whether the file, or its owner, group or mode, changed.
      type: bool
    certificates:
      description: The certificates in the bundle, in order (subject, fingerprint_sha256, not_after).
      type: list
      elements: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._errors import run_and_exit
from ansible_collections.certfleet.pki.plugins.module_utils._trust_store import TRUST_STORE_OPTIONS, reconcile_trust_store


def main():
    module = AnsibleModule(argument_spec=TRUST_STORE_OPTIONS, supports_check_mode=True)
    require_libraries(module, "cryptography")
    run_and_exit(module, lambda m: reconcile_trust_store(m, m.params))


if __name__ == "__main__":
    main()
