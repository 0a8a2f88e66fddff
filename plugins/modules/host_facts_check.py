#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: host_facts_check
short_description: Refuse a host whose facts carry the collection's variables, or whose results do not fit
version_added: 0.3.0
description:
  - Fails the host when its facts (C(ansible_facts)) carry a variable named C(certfleet_*) or
    C(__certfleet_*). Only the operator declares those.
  - Any module result may carry C(ansible_facts), and while C(INJECT_FACTS_AS_VARS) is on
    (Ansible's default before ansible-core 2.24) Ansible applies them as variables above the
    inventory's C(group_vars) and C(host_vars). A host with root could otherwise replace the
    issuers, certificates or revocation targets that the controller acts on for it.
  - The roles of this collection run it before every step that acts on a host's behalf on the
    controller (signing, revoking, reading a ledger, writing the report). Only that host fails;
    the others go on.
  - With O(status) or O(requests), also fails the host when that result of its own does not fit
    its schema (only its declared certificate names, hexadecimal serials, PEM text), so that one
    host's malformed answer fails that host alone and never the templating of the whole batch.
  - Runs on the controller, in the action itself; nothing is sent to the host.
  - The threat model, and what each defence covers, is in the collection's docs/security.md.
options:
  declared:
    description: The host's declared certificate names (from its plan); needed with O(status) or O(requests).
    type: list
    elements: str
  status:
    description: The host's M(certfleet.pki.certificate_status) result.
    type: raw
  requests:
    description: The host's M(certfleet.pki.certificate_requests) result.
    type: raw
attributes:
  check_mode:
    support: full
    description: Checks the same way in check mode.
  diff_mode:
    support: none
    description: Changes nothing.
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: No host may replace the operator's declarations through its facts
  certfleet.pki.host_facts_check:

- name: And its status result is data of the expected shape
  certfleet.pki.host_facts_check:
    status: "{{ status }}"
    declared: "{{ planned | map(attribute='name') | list }}"
'''

RETURN = r'''
msg:
  description: Why the host was refused, naming the variables its facts carry or the field of its result.
  returned: when refused
  type: str
'''

from ansible.module_utils.basic import AnsibleModule

# The action plugin (plugins/action/host_facts_check.py) validates its arguments with this spec.
ARGUMENT_SPEC = dict(
    declared=dict(type="list", elements="str"),
    status=dict(type="raw"),
    requests=dict(type="raw"),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="certfleet.pki.host_facts_check runs on the controller, as an action; it cannot run as a module")


if __name__ == "__main__":
    main()
