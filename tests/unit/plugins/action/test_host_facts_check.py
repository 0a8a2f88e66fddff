"""host_facts_check on the controller (issue 28): a host whose facts carry one of the
collection's variables, or whose status or requests result does not fit its schema, is
refused alone, naming the variables or the field."""

from unittest import mock

import pytest
from ansible.playbook.task import Task

from ansible_collections.certfleet.pki.plugins.action.host_facts_check import ActionModule


def host_facts_check(task_vars, args=None):
    task = Task()
    task.args = args or {}
    task.action = "certfleet.pki.host_facts_check"
    return ActionModule(task, mock.MagicMock(), mock.MagicMock(), loader=None, templar=None, shared_loader_obj=None).run(
        task_vars=task_vars)


@pytest.mark.parametrize("facts, refused", [
    ({"certfleet_issuers": {}}, "certfleet_issuers"),
    ({"__certfleet_planned": [], "certfleet_issue_on_host": True}, "__certfleet_planned, certfleet_issue_on_host"),
])
def test_host_facts_check_refuses_a_host_whose_facts_carry_the_collections_variables(facts, refused):
    result = host_facts_check(dict(inventory_hostname="web-1", ansible_facts=dict(facts, os_family="Debian")))
    assert result["failed"] and result["msg"].startswith("web-1: refused: its facts carry %s," % refused)


def test_host_facts_check_passes_an_honest_host():
    result = host_facts_check(dict(inventory_hostname="web-1", ansible_facts={"os_family": "Debian", "certfleetx": 1}))
    assert not result.get("failed") and result["changed"] is False


def status(**change):
    entry = dict(name="web", present=True, serial="0a:bc", reasons=[], origin=None)
    entry.update(change)
    return dict(due=["web"], certificates=[entry])


@pytest.mark.parametrize("args, refused", [
    (dict(status=status(), declared=["web"]), None),
    (dict(status=dict(status(), due="web"), declared=["web"]), "due 'web' must be a list of its declared certificate names"),
    (dict(status=dict(status(), due=["api"]), declared=["web"]), "due ['api'] must be a list"),
    (dict(status=dict(status(), certificates=[{"present": True}]), declared=["web"]), "certificates[0] must be a mapping"),
    (dict(status=status(serial="zz; rm"), declared=["web"]), "certificates[0].serial 'zz; rm' must be hexadecimal"),
    (dict(status=status(certificates_of_key=["/etc/shadow"]), declared=["web"]),
     "certificates[0].certificates_of_key must be a list of PEM certificates"),
    (dict(status=status(reasons="none"), declared=["web"]), "certificates[0].reasons must be a list of text"),
    (dict(requests=dict(requests=[dict(name="web", csr="-----BEGIN CERTIFICATE REQUEST-----")]), declared=["web"]), None),
    (dict(requests=dict(requests=[dict(name="web", csr=["x"])]), declared=["web"]), "requests[0] must name a declared"),
    (dict(requests=dict(requests="all"), declared=["web"]), "holds no list of requests"),
])
def test_host_facts_check_refuses_a_result_that_does_not_fit_its_schema(args, refused):
    result = host_facts_check(dict(inventory_hostname="web-1", ansible_facts={}), args)
    if refused is None:
        assert not result.get("failed"), result
    else:
        assert result["failed"] and result["msg"].startswith("web-1: refused: its certificate_") and refused in result["msg"]
