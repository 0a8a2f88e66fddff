#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: trust_anchor
short_description: Add or remove CA certificates in the operating system trust store
version_added: 0.1.0
description:
  - Ensures CA certificates are present in, or absent from, the OS trust store, the way each
    OS family expects it. Debian, Ubuntu and Alpine use C(/usr/local/share/ca-certificates)
    and C(update-ca-certificates); RHEL, CentOS, Fedora and Amazon Linux use
    C(/etc/pki/ca-trust/source/anchors) and C(update-ca-trust extract); SUSE uses
    C(/etc/pki/trust/anchors) and C(update-ca-certificates).
  - Each certificate gets its own anchor file named C(<name>-<first 16 hex digits of its SHA-256
    fingerprint>), so the store is rebuilt by the OS tool, never appended to. The update
    command runs only when an anchor file changed, and the rebuilt system bundle is checked
    for the result.
  - A certificate that does not parse, is not a CA, or has expired is refused before anything
    is written. If the update command fails, the anchor files are put back as they were.
options:
  name:
    description:
      - Name of this group of anchors, the prefix of its files. With O(state=present), the
        group holds exactly the certificates given; anchor files of the group that are not
        among them are removed (this is how a CA bundle is rotated).
    type: str
    default: certfleet
  certificate:
    description:
      - CA certificates as PEM content or the path of a PEM file on the managed host; may hold
        several, for example the C(trust_bundle) of an ACM Private CA or a private root.
      - Required with O(state=present). With O(state=absent), only these certificates are
        removed from the group; without it, the whole group is removed.
    type: str
  state:
    description: Whether the certificates are trusted.
    type: str
    choices: [present, absent]
    default: present
  platform:
    description:
      - Trust store layout. V(auto) reads C(/etc/os-release).
    type: str
    choices: [auto, debian, rhel, suse, alpine]
    default: auto
attributes:
  check_mode:
    support: full
    description: Reports the anchor files that would be added or removed; writes nothing and runs no update.
  diff_mode:
    support: full
    description: Shows the anchor files of the group (file, subject, expiry) before and after.
requirements:
  - cryptography >= 3.4
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: Trust the private root on every host
  certfleet.pki.trust_anchor:
    name: example-root
    certificate: "{{ lookup('file', 'pki/root.pem') }}"

- name: Trust the ACM Private CA hierarchy
  certfleet.pki.trust_anchor:
    name: prod-pca
    certificate: "{{ pca_info.trust_bundle }}"

- name: Stop trusting the old root (after issuance has moved to the new one)
  certfleet.pki.trust_anchor:
    name: example-root-2020
    state: absent
'''

RETURN = r'''
anchors:
  description: The anchor files of the group after the run.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: Anchor file.
      type: str
    subject:
      description: Subject of the certificate (RFC 4514).
      type: str
    fingerprint_sha256:
      description: SHA-256 fingerprint, hex.
      type: str
    not_after:
      description: End of validity, ISO 8601.
      type: str
added:
  description: Anchor files written.
  returned: always
  type: list
  elements: str
removed:
  description: Anchor files removed.
  returned: always
  type: list
  elements: str
platform:
  description: The trust store layout used.
  returned: always
  type: str
  sample: debian
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._errors import run_and_exit
from ansible_collections.certfleet.pki.plugins.module_utils._trust_anchors import (
    apply_groups,
    plan_groups,
    resolve_platform,
)
from ansible_collections.certfleet.pki.plugins.module_utils._trust_platforms import PLATFORM_OPTION


def run(module):
    platform = resolve_platform(module.params["platform"])
    plan = plan_groups(platform, [module.params])[0]
    result = dict(plan.result(), platform=platform.family)
    del result["name"]
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = plan.diff(platform)
    if not module.check_mode:
        apply_groups(module, platform, [plan])
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", default="certfleet"),
            certificate=dict(type="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            platform=PLATFORM_OPTION,
        ),
        supports_check_mode=True,
    )
    require_libraries(module, "cryptography")
    run_and_exit(module, run)


if __name__ == "__main__":
    main()
