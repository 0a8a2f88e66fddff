"""The web_tls role on a fleet of an nginx host, an Apache host and a mixed host (both servers):
every server of every host is configured and probed in one task round, both servers of the
mixed host serve the current certificate, a second run and a check run change nothing, and a
change to one server's sites reloads that server only."""

import json
import os
import subprocess

import pytest

from helpers.lab_fleet import play_recap
from helpers.paths import REPO

SITE = os.path.join(REPO, "playbooks", "site.yml")
BENCH_CALLBACKS = os.path.join(REPO, "tools", "bench", "callback_plugins")
NGINX_HOSTS, APACHE_HOSTS = ["ng-1", "mix-1"], ["ap-1", "mix-1"]
# The mixed host's nginx keeps 443; its Apache serves on 8443.
APACHE_PORT = {"ap-1": 443, "mix-1": 8443}
CERTIFICATES = [{"name": "web", "issuer": "hsm", "common_name": "{{ inventory_hostname }}",
                 "subject_alt_names": ["DNS:{{ inventory_hostname }}.example.internal"]}]
SITE_OF_HOST = ("{'name': 'www', 'certificate': 'web', 'server_names': [inventory_hostname ~ '.example.internal'], "
                "'listen_address': ansible_host, 'port': %s, 'hsts': %s}")
# apache_hsts (extra var) changes the Apache sites only.
APACHE_SITE = SITE_OF_HOST % ("%s[inventory_hostname]" % APACHE_PORT, "apache_hsts | default(false) | bool")
SITES = json.dumps({
    "certfleet_nginx_sites": "{{ [%s] if inventory_hostname in %s else [] }}" % (SITE_OF_HOST % (443, False), NGINX_HOSTS),
    "certfleet_apache_sites": "{{ [%s] if inventory_hostname in %s else [] }}" % (APACHE_SITE, APACHE_HOSTS),
    "certfleet_tls_trust_anchor": "/etc/certfleet/certs/web/current/chain.pem",
})
SITES_TASK = "TASK [certfleet.pki.web_tls : TLS sites configuration, and what each site serves]"
NGINX_WORKERS = "ps -o pid= --ppid $(cat /run/nginx.pid) | sort"


@pytest.fixture(scope="module")
def fleet(lab_factory, hsm_ca, tmp_path_factory):
    inventory = str(tmp_path_factory.mktemp("web-tls") / "inventory.yml")
    lab = lab_factory("pytest-web-tls", ["ng-1:nginx", "ap-1:apache", "mix-1:mixed"], inventory=inventory)
    return dict(lab=lab, inventory=inventory, vars=hsm_ca.role_vars(CERTIFICATES), env=hsm_ca.env)


def site(fleet, *extra, env=None):
    run = subprocess.run(["ansible-playbook", "-i", fleet["inventory"], SITE, "-e", "@" + fleet["vars"], "-e", SITES,
                          *extra], env=dict(fleet["env"], **(env or {})), capture_output=True, text=True, check=False,
                         timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    return run


def site_counting_modules(fleet, tmp_path, *extra):
    """A site.yml run, and how many modules each host ran in it (the benchmarks' callback counts them)."""
    counts = tmp_path / "modules.json"
    run = site(fleet, *extra, env=dict(ANSIBLE_CALLBACK_PLUGINS=BENCH_CALLBACKS, ANSIBLE_CALLBACKS_ENABLED="remote_modules",
                                       CERTFLEET_BENCH_MODULE_COUNTS=str(counts)))
    return run, json.loads(counts.read_text())


def task_output(stdout, title):
    """The lines one task printed (up to the next TASK heading)."""
    assert title in stdout, stdout[-4000:]
    section = stdout.split(title, 1)[1]
    return section.split("\nTASK [", 1)[0]


def serial_served(fleet, host, port):
    return fleet["lab"].served_serial(host, "%s.example.internal" % host, port)


def serial_current(fleet, host):
    return fleet["lab"].current_serial(host)


def test_every_server_of_every_host_is_configured_in_one_round_and_serves(fleet):
    run = site(fleet)
    assert run.stdout.count(SITES_TASK) == 1, "one task round for nginx and Apache sites"
    sites_task = task_output(run.stdout, SITES_TASK)
    for host, server in [("ng-1", "nginx"), ("ap-1", "apache"), ("mix-1", "nginx"), ("mix-1", "apache")]:
        assert "[%s] => (item=%s)" % (host, server) in sites_task, sites_task
    for host in ("ng-1", "mix-1"):
        assert serial_served(fleet, host, 443) == serial_current(fleet, host)
    for host, port in APACHE_PORT.items():
        assert serial_served(fleet, host, port) == serial_current(fleet, host)


def test_a_second_run_and_a_check_run_change_nothing(fleet, tmp_path):
    again, modules = site_counting_modules(fleet, tmp_path)
    assert set(play_recap(again.stdout).values()) == {(0, 0)}, again.stdout[-3000:]
    assert "TASK [certfleet.pki.safe_reload" not in again.stdout
    # Nothing due: the host's observation is the one module each host runs (issue 31).
    assert modules == {"ng-1": 1, "ap-1": 1, "mix-1": 1}, again.stdout[-3000:]
    checked = site(fleet, "--check", "--diff")
    assert set(play_recap(checked.stdout).values()) == {(0, 0)}, checked.stdout[-3000:]


def test_a_change_to_the_apache_sites_of_a_mixed_host_reloads_apache_only(fleet):
    nginx_workers = fleet["lab"].ssh("mix-1", NGINX_WORKERS).stdout.split()
    run = site(fleet, "-e", "apache_hsts=true", "--limit", "mix-1")
    assert play_recap(run.stdout)["mix-1"][0] > 0
    reloads = task_output(run.stdout, "TASK [Test, reload and check each server")
    assert "(item=apache)" in reloads and "(item=nginx)" not in reloads, reloads
    assert "Strict-Transport-Security" in fleet["lab"].ssh("mix-1", "cat /etc/apache2/sites-available/certfleet.conf").stdout
    assert fleet["lab"].ssh("mix-1", NGINX_WORKERS).stdout.split() == nginx_workers, "nginx was not reloaded"
    assert serial_served(fleet, "mix-1", 8443) == serial_current(fleet, "mix-1")
