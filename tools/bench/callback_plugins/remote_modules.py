"""Benchmark callback: how many modules ran on each host (tasks not skipped, not delegated to
another host and not done by the controller alone, loop items counted one by one), written as
JSON to $CERTFLEET_BENCH_MODULE_COUNTS. The JSON stdout callback drops the delegation marker of
loop items, so the benchmarks count here."""

import json
import os

from ansible.plugins.callback import CallbackBase

# Actions that run on the controller only, whatever the host.
CONTROLLER_ACTIONS = {"set_fact", "assert", "debug", "fail", "include_role", "include_tasks", "import_tasks",
                      "include_vars", "validate_argument_spec", "meta", "add_host", "group_by", "fleet_report",
                      "host_facts_check"}


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "remote_modules"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.counts = {}

    def _count(self, result):
        outcome = result._result  # pylint: disable=protected-access
        action = result._task.action.rsplit(".", 1)[-1]  # pylint: disable=protected-access
        if outcome.get("skipped") or outcome.get("_ansible_delegated_vars") or action in CONTROLLER_ACTIONS:
            return
        host = result._host.get_name()  # pylint: disable=protected-access
        self.counts[host] = self.counts.get(host, 0) + 1

    def v2_runner_on_ok(self, result):
        task = result._task  # pylint: disable=protected-access
        if not (task.loop or task.loop_with):  # a loop's items are counted one by one
            self._count(result)

    def v2_runner_item_on_ok(self, result):
        self._count(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self.v2_runner_on_ok(result)

    v2_runner_item_on_failed = v2_runner_item_on_ok

    def v2_playbook_on_stats(self, stats):
        with open(os.environ["CERTFLEET_BENCH_MODULE_COUNTS"], "w") as handle:
            json.dump(self.counts, handle)
