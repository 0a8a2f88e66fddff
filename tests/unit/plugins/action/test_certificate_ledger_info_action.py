"""certificate_ledger_info's action plugin: a directory ledger on the controller is read in the
controller's process with the module's own code (the same answer, no module execution); an S3
ledger, another connection or a become user runs the module."""

from unittest import mock

import pytest
from ansible.playbook.task import Task

from ansible_collections.certfleet.pki.plugins.action import certificate_ledger_info as action_plugin
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import to_pem
from ansible_collections.certfleet.pki.plugins.modules import certificate_ledger, certificate_ledger_info
from helpers.software_ca import issue_leaf, software_root


@pytest.fixture(scope="module")
def ca():
    return software_root("Ledger Action Root")


@pytest.fixture
def ledger(ca, tmp_path, module_runner):
    """A directory ledger with one certificate recorded and revoked."""
    location = str(tmp_path / "ledger")
    leaf = issue_leaf(ca, "web-1", validity_days=10)
    module_runner(certificate_ledger, dict(location=location, ca="lab-hsm",
                                           certificates=[dict(certificate=to_pem(leaf), host="web-1", name="web")]))
    module_runner(certificate_ledger, dict(location=location, ca="lab-hsm", revoke=["%x" % leaf.serial_number]))
    return location


def run_action(args, transport="local", become=False):
    """(result, modules executed) of the action for ``args``."""
    task = Task()
    task.args = args
    task.action = "certfleet.pki.certificate_ledger_info"
    connection = mock.MagicMock(transport=transport)
    play_context = mock.MagicMock(become=become)
    action = action_plugin.ActionModule(task, connection, play_context, loader=None, templar=None, shared_loader_obj=None)
    executed = []

    def execute(module_name, module_args, task_vars):
        executed.append(module_name)
        return dict(changed=False, from_module=True)
    with mock.patch.object(action, "_execute_module", side_effect=execute):
        return action.run(task_vars={}), executed


def test_a_directory_ledger_on_the_controller_is_read_here_with_the_module_s_answer(ca, ledger, module_runner):
    args = dict(location=ledger, ca="lab-hsm", list_issued=True, ca_certificate=to_pem(ca[1]), region="eu-west-1")
    result, executed = run_action(args)
    module = module_runner(certificate_ledger_info, args)
    module.pop("invocation")
    assert executed == [] and result == module
    assert result["crl_reason"] == "no CRL yet" and [entry["revoked"] for entry in result["issued"]] == [True]


@pytest.mark.parametrize("location, transport, become", [
    ("s3://ledger-bucket/certfleet", "local", False),
    ("LEDGER", "ssh", False),
    ("LEDGER", "local", True),
])
def test_anywhere_else_the_module_runs(ledger, location, transport, become):
    result, executed = run_action(dict(location=ledger if location == "LEDGER" else location, ca="lab-hsm"),
                                  transport, become)
    assert executed == ["certfleet.pki.certificate_ledger_info"] and result["from_module"] is True


def test_a_bad_option_read_here_fails_naming_it(ledger):
    result, executed = run_action(dict(location=ledger, ca="lab-hsm", list_issued="maybe"))
    assert executed == [] and result["failed"] is True and "list_issued" in result["msg"]
    result, _executed = run_action(dict(location=ledger, ca="../other"))
    assert result["failed"] is True and "ledger ca '../other'" in result["msg"]
