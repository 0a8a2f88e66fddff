"""A certificate's consumers (services with no TLS role of their own) are reloaded through the
one reload path, safe_reload: after a renewal only, after their configuration test, and a
failing test fails the host without reloading the service."""

import os
import subprocess

import pytest

from helpers.lab_fleet import play_recap
from helpers.paths import REPO

SITE = os.path.join(REPO, "playbooks", "site.yml")
HOST = "cons-1"
WORKERS = "ps -o pid= --ppid $(cat /run/nginx.pid) | sort"


@pytest.fixture(scope="module")
def fleet(lab_factory, hsm_ca, tmp_path_factory):
    inventory = str(tmp_path_factory.mktemp("consumers") / "inventory.yml")
    lab = lab_factory("pytest-consumers", ["%s:nginx" % HOST], inventory=inventory)
    variables = hsm_ca.role_vars([{"name": "mail", "issuer": "hsm", "common_name": "{{ inventory_hostname }}",
                                   "consumers": ["nginx"]}])
    return dict(lab=lab, inventory=inventory, vars=variables, env=hsm_ca.env)


def site(fleet, *extra):
    return subprocess.run(["ansible-playbook", "-i", fleet["inventory"], SITE, "-e", "@" + fleet["vars"], *extra],
                          env=fleet["env"], capture_output=True, text=True, check=False, timeout=600)


def workers(fleet):
    return fleet["lab"].ssh(HOST, WORKERS).stdout.split()


def test_a_renewed_certificate_reloads_its_consumer_after_its_config_test(fleet):
    before = workers(fleet)
    run = site(fleet)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "TASK [Test and reload the consumers of renewed certificates]" in run.stdout
    assert "TASK [certfleet.pki.safe_reload : Configuration test]" in run.stdout
    assert workers(fleet) != before, "nginx started new workers: it was reloaded"
    again = site(fleet)
    assert play_recap(again.stdout)[HOST] == (0, 0) and "safe_reload : Configuration test" not in again.stdout


def test_a_consumer_whose_config_test_fails_is_not_reloaded_and_the_host_fails(fleet):
    before = workers(fleet)
    run = site(fleet, "-e", '{"certfleet_force_renew": ["mail"], "certfleet_consumer_test_commands": {"nginx": ["false"]}}')
    assert run.returncode != 0 and play_recap(run.stdout)[HOST][1] == 1, run.stdout[-3000:]
    assert "nginx on %s: Configuration test failed" % HOST in run.stdout, run.stdout[-3000:]
    assert workers(fleet) == before, "nginx was not reloaded"
