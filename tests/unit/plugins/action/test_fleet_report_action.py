"""The fleet_report action on the controller: reads each host's result from hostvars, writes
both files atomically with their mode, reports no change, and names hosts without a result."""

import json
import os
from unittest import mock

import pytest
from ansible.errors import AnsibleActionFail
from ansible.playbook.task import Task

from ansible_collections.certfleet.pki.plugins.action.fleet_report import ActionModule


def run_action(args, task_vars):
    task = Task()
    task.args = args
    task.action = "certfleet.pki.fleet_report"
    action = ActionModule(task, mock.MagicMock(), mock.MagicMock(), loader=None, templar=None, shared_loader_obj=None)
    return action.run(task_vars=task_vars)


def host_result():
    return dict(certificates=[], sites=[], trust=[], generated_at="2026-11-29T12:00:00+00:00")


def test_both_files_are_written_and_a_host_without_a_result_is_not_reached(tmp_path):
    hostvars = {"a": {"r": host_result()}, "b": {}}
    result = run_action(dict(hosts=["a", "b"], result_var="r", dest=str(tmp_path / "out"), mode="0640"),
                        dict(hostvars=hostvars))
    assert result["changed"] is False
    assert [kind["kind"] for kind in result["attention"]] == ["host_unreached"]
    written = json.load(open(str(tmp_path / "out" / "certfleet-report.json")))
    assert written == json.loads(json.dumps(result["report"]))
    html = tmp_path / "out" / "certfleet-report.html"
    assert html.read_text().startswith("<!DOCTYPE html>")
    assert oct(os.stat(str(html)).st_mode & 0o777) == "0o640"
    assert sorted(os.listdir(str(tmp_path / "out"))) == ["certfleet-report.html", "certfleet-report.json"]


def test_without_dest_nothing_is_written(tmp_path):
    result = run_action(dict(hosts=["a"], result_var="r"), dict(hostvars={"a": {"r": host_result()}}))
    assert result["files"] == [] and result["report"]["summary"]["hosts_reached"] == 1


def test_a_mode_that_is_not_octal_is_refused(tmp_path):
    with pytest.raises(AnsibleActionFail, match="mode must be octal"):
        run_action(dict(hosts=[], result_var="r", dest=str(tmp_path), mode="rw-r--r--"), dict(hostvars={}))


def test_a_host_whose_facts_carry_a_declaration_is_refused_and_the_others_reported():
    hostvars = {"liar": {"r": host_result(), "ansible_facts": {"certfleet_certificates": [], "os_family": "Debian"}},
                "honest": {"r": host_result(), "ansible_facts": {"os_family": "Debian"}}}
    result = run_action(dict(hosts=["liar", "honest"], result_var="r"), dict(hostvars=hostvars))
    assert [(item["kind"], item["host"]) for item in result["attention"]] == [("report_refused", "liar")]
    assert "its facts carry certfleet_certificates" in result["attention"][0]["message"]
    assert [host["reached"] for host in result["report"]["hosts"]] == [True, False]  # honest, liar
