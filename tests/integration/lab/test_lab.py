"""The lab gives real, separate hosts, and leaves nothing behind."""

import os
import subprocess
import urllib.request

import pytest

from helpers.lab_fleet import LAB_TOOL, run_lab

NGINX_ON_443 = (
    "cat > /etc/nginx/sites-enabled/port443 <<CONF\n"
    "server { listen %s:443; location / { return 200 '%s\\\\n'; } }\n"
    "CONF\n"
    "nginx -t -q && service nginx reload >/dev/null"
)


@pytest.fixture(scope="module")
def pair(lab_factory):
    return lab_factory("pytest-pair", ["one:nginx", "two:nginx"])


def test_etc_write_stays_on_its_host(pair):
    pair.ssh("one", "echo one > /etc/certfleet-isolation")
    assert pair.ssh("one", "cat /etc/certfleet-isolation").stdout == "one\n"
    assert pair.ssh("two", "test -e /etc/certfleet-isolation", check=False).returncode == 1
    assert not os.path.exists("/etc/certfleet-isolation")


def test_hosts_have_own_hostname_and_processes(pair):
    assert pair.ssh("one", "hostname").stdout.strip() == "one"
    # PID namespace: the host's PID 1 is its sshd, and it cannot see the other host's nginx.
    assert "sshd" in pair.ssh("one", "cat /proc/1/cmdline").stdout
    assert pair.ssh("one", "pgrep -c nginx").stdout.strip() == pair.ssh("two", "pgrep -c nginx").stdout.strip()


def test_both_hosts_serve_port_443_on_their_own_address(pair):
    for host in ("one", "two"):
        pair.ssh(host, NGINX_ON_443 % (pair.hosts[host]["address"], host))
    for host in ("one", "two"):
        with urllib.request.urlopen("http://%s:443/" % pair.hosts[host]["address"], timeout=5) as reply:
            assert reply.read().decode().strip() == host


def test_hosts_resolve_each_other_by_name(pair):
    assert pair.ssh("one", "getent hosts two").stdout.split()[0] == pair.hosts["two"]["address"]


def lab_leftovers(name):
    processes = subprocess.run(["ps", "-ww", "-eo", "stat=,args="], capture_output=True, text=True, check=True).stdout
    running = [line for line in processes.splitlines()
               if "certfleet-lab/%s/" % name in line and not line.startswith("Z")]
    return running, os.path.exists("/tmp/certfleet-lab/%s" % name)


def test_down_leaves_nothing():
    run_lab("up", "--name", "pytest-down", "--host", "solo:apache")
    assert lab_leftovers("pytest-down")[0]
    run_lab("down", "--name", "pytest-down")
    assert lab_leftovers("pytest-down") == ([], False)


def test_down_cleans_up_after_a_crashed_creator():
    # A creator killed mid-way leaves launchers and a state dir but maybe no state file.
    run_lab("up", "--name", "pytest-crash", "--host", "solo:plain")
    os.remove("/tmp/certfleet-lab/pytest-crash/state.json")
    run_lab("down", "--name", "pytest-crash")
    assert lab_leftovers("pytest-crash") == ([], False)


def test_unknown_group_is_refused_clearly():
    result = subprocess.run(["python3", LAB_TOOL, "up", "--name", "pytest-bad", "--host", "x:iis"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "unknown group 'iis'" in result.stderr
