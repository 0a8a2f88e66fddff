# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""certfleet.pki.host_facts_check: fail a host whose facts carry one of the collection's
variables, or whose certificate_status / certificate_requests result does not fit its schema,
on the controller, before any task there acts on that host's behalf."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.certfleet.pki.plugins.modules.host_facts_check import ARGUMENT_SPEC
from ansible_collections.certfleet.pki.plugins.plugin_utils._trust_boundary import (
    injected_variables,
    refusal,
    requests_problem,
    result_refusal,
    status_problem,
)


class ActionModule(ActionBase):
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        host = task_vars.get("inventory_hostname")
        declared = set(args["declared"] or [])
        problem = refusal(host, injected_variables(task_vars.get("ansible_facts")))
        if problem is None and args["status"] is not None:
            problem = status_problem(args["status"], declared)
        if problem is None and args["requests"] is not None:
            problem = requests_problem(args["requests"], declared)
        if problem is not None and not problem.startswith(host + ": refused:"):
            problem = result_refusal(host, problem)
        if problem:
            result.update(failed=True, msg=problem)
        result["changed"] = False
        return result
