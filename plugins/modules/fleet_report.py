#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: fleet_report
short_description: Build the fleet report from every host's certificate_report result, and write it
version_added: 0.2.0
description:
  - Puts every host's M(certfleet.pki.certificate_report) result into one report (schema
    C(certfleet.pki/fleet-report), version 1, described in docs/report.md), with what needs
    attention first, and writes it to O(dest) as C(certfleet-report.html) (one self-contained page,
    no network fetch) and C(certfleet-report.json).
  - A host without a result, or whose run failed or was unreachable, is in the report as not reached.
  - Runs on the controller, in the action itself (no module is sent to a host); use it with C(run_once).
  - The files are the run's output, not state of the fleet - they are replaced on every run, also in check
    mode, and the task reports no change.
options:
  hosts:
    description: The hosts to report, normally C(ansible_play_hosts_all).
    type: list
    elements: str
    required: true
  result_var:
    description: The variable each host registered its M(certfleet.pki.certificate_report) result in.
    type: str
    required: true
  dest:
    description: Directory on the controller for the two files (made when missing); nothing is written without it.
    type: path
  title:
    description: Title of the report.
    type: str
    default: Certificate fleet report
  mode:
    description: Mode of the files.
    type: raw
    default: "0644"
attributes:
  action:
    support: full
    description: Runs on the controller.
  check_mode:
    support: full
    description: The report is built and written in check mode too; it is what the user asked for.
  diff_mode:
    support: none
    description: The files are replaced, not managed.
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: What each host holds, serves and trusts
  certfleet.pki.certificate_report:
    host: "{{ inventory_hostname }}"
    certificates: "{{ my_certificates }}"
  register: host_report

- name: The fleet report
  certfleet.pki.fleet_report:
    hosts: "{{ ansible_play_hosts_all }}"
    result_var: host_report
    dest: /srv/reports/certfleet
  run_once: true
  register: fleet
'''

RETURN = r'''
report:
  description: The report (schema C(certfleet.pki/fleet-report)), as written to C(certfleet-report.json).
  returned: always
  type: dict
attention:
  description: What needs attention (kind, severity, title, host, subject, message), most urgent first.
  returned: always
  type: list
  elements: dict
files:
  description: The files written.
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule

# The action plugin (plugins/action/fleet_report.py) validates its arguments with this spec.
ARGUMENT_SPEC = dict(
    hosts=dict(type="list", elements="str", required=True),
    result_var=dict(type="str", required=True),
    dest=dict(type="path"),
    title=dict(type="str", default="Certificate fleet report"),
    mode=dict(type="raw", default="0644"),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="certfleet.pki.fleet_report runs on the controller, as an action; it cannot run as a module")


if __name__ == "__main__":
    main()
