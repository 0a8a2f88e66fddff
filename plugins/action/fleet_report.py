# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""certfleet.pki.fleet_report: the fleet report, built and written on the controller in the
action itself. No module is sent anywhere, so the report costs one module run per host (its
certificate_report) and almost nothing more."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.certfleet.pki.plugins.module_utils._files import replace_file
from ansible_collections.certfleet.pki.plugins.modules.fleet_report import ARGUMENT_SPEC
from ansible_collections.certfleet.pki.plugins.plugin_utils._fleet_report import fleet_report
from ansible_collections.certfleet.pki.plugins.plugin_utils._report_html import render
from ansible_collections.certfleet.pki.plugins.plugin_utils._trust_boundary import injected_variables, refusal

REPORT_FILES = (("certfleet-report.json", lambda report: json.dumps(report, indent=2) + "\n"),
                ("certfleet-report.html", render))


def _result_of(variables, result_var, host):
    """The host's registered result, or a refusal when its facts carry a declaration."""
    problem = refusal(host, injected_variables(variables.get("ansible_facts")))
    if problem:
        return dict(failed=True, refused=True, msg=problem)
    found = variables.get(result_var)
    return dict(found) if found else None


class ActionModule(ActionBase):
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        try:
            mode = int(str(args["mode"]), 8)
        except ValueError:
            raise AnsibleActionFail("mode must be octal, like 0644, not %r" % (args["mode"],))
        hostvars = task_vars.get("hostvars", {})
        results = [(host, _result_of(hostvars[host], args["result_var"], host) if host in hostvars else None)
                   for host in args["hosts"]]
        report = fleet_report(results, title=args["title"])
        files = []
        if args["dest"]:
            for name, content in REPORT_FILES:
                files.append(os.path.join(args["dest"], name))
                replace_file(files[-1], content(report), mode)  # readers see the old report or the new one
        # The files are this run's output, not state of the fleet: no change to report.
        result.update(changed=False, report=report, files=files, attention=report["attention"])
        return result
