"""Lab fleets for the integration tests, and SSH into their hosts."""

import json
import os
import re
import subprocess

import pytest

from helpers.paths import REPO

LAB_TOOL = os.path.join(REPO, "tools", "lab", "lab.py")


def run_lab(*args):
    result = subprocess.run(["python3", LAB_TOOL, *args], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


class Lab:
    def __init__(self, name, specs, inventory=None):
        self.name = name
        args = ["up", "--name", name, "--json"] + ["--host=%s" % spec for spec in specs]
        if inventory:
            args += ["--inventory", inventory]
        self.state = json.loads(run_lab(*args))
        self.hosts = {host["name"]: host for host in self.state["hosts"]}

    def ssh(self, host, command, check=True, timeout=60):
        result = subprocess.run(
            ["ssh", "-i", self.state["identity_file"], "-o", "StrictHostKeyChecking=no",
             "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes",
             "root@" + self.hosts[host]["address"], command],
            capture_output=True, text=True, check=False, timeout=timeout)
        if check:
            assert result.returncode == 0, "%s: %s\n%s" % (host, command, result.stderr)
        return result

    def copy(self, host, local_path, remote_path):
        """Copy a file onto a host (hosts see neither the machine's /tmp nor, always, the checkout)."""
        result = subprocess.run(
            ["scp", "-q", "-i", self.state["identity_file"], "-o", "StrictHostKeyChecking=no",
             "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes",
             local_path, "root@%s:%s" % (self.hosts[host]["address"], remote_path)],
            capture_output=True, text=True, check=False, timeout=60)
        assert result.returncode == 0, "%s: copy %s: %s" % (host, local_path, result.stderr)

    def served_serial(self, host, server_name, port=443):
        """Serial of the certificate the host serves on its address for ``server_name`` (openssl's form)."""
        return self.ssh(host, "openssl s_client -connect %s:%d -servername %s </dev/null 2>/dev/null | openssl x509 -noout -serial"
                        % (self.hosts[host]["address"], port, server_name)).stdout.strip()

    def current_serial(self, host, certificate="web"):
        """Serial of the certificate's current version installed on the host (openssl's form)."""
        return self.ssh(host, "openssl x509 -noout -serial -in /etc/certfleet/certs/%s/current/cert.pem"
                        % certificate).stdout.strip()

    def down(self):
        run_lab("down", "--name", self.name)


def play_recap(output):
    """(changed, failed) per host, from ansible-playbook's play recap."""
    return dict((host, (int(changed), int(failed))) for host, changed, failed in
                re.findall(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)", output, re.M))


@pytest.fixture(scope="module")
def lab_factory():
    """Make labs in a test module; all of them are torn down after it."""
    labs = []

    def make(name, specs, inventory=None):
        lab = Lab(name, specs, inventory)
        labs.append(lab)
        return lab

    yield make
    for lab in labs:
        lab.down()
