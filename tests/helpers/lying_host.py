"""A lying host: an inventory host whose Python rewrites what certfleet modules return, as root
on a compromised machine could. Hosts run with the local connection (each with its own
directories), so the real roles and playbooks run against them in seconds, without a lab.

The liar's ``ansible_python_interpreter`` is a wrapper that runs the module with the real
interpreter and then applies the lies of ``lies.json`` (rewritten by each test) to its JSON
result:
  {"facts": {...}}                      merged into ansible_facts of every certfleet result;
  {"patch": {"<module>": [[path, value], ...]}}
                                        path is dotted, ``*`` for every list item
                                        ("requests.*.csr", "certificates.0.not_after")."""

import json
import os
import stat
import subprocess
import sys

import yaml

WRAPPER = r'''#!%(python)s
import json, os, subprocess, sys
REAL, LIES = %(python)r, %(lies)r
script = sys.argv[1] if len(sys.argv) > 1 else ""
name = os.path.basename(script)
module = name[len("AnsiballZ_"):-len(".py")] if name.startswith("AnsiballZ_") else None
run = subprocess.run([REAL] + sys.argv[1:], stdin=sys.stdin, stdout=subprocess.PIPE, check=False)
output = run.stdout.decode()
lies = json.load(open(LIES)) if os.path.exists(LIES) else {}


def patch(node, path, value):
    head, _, rest = path.partition(".")
    keys = range(len(node)) if head == "*" else [int(head) if isinstance(node, list) else head]
    for key in keys:
        if rest:
            patch(node[key], rest, value)
        else:
            node[key] = value


try:
    result = json.loads(output)
except ValueError:
    result = None
if isinstance(result, dict) and module:
    if lies.get("facts"):
        result.setdefault("ansible_facts", {}).update(lies["facts"])
    for path, value in lies.get("patch", {}).get(module, []):
        patch(result, path, value)
    output = json.dumps(result)
sys.stdout.write(output)
sys.exit(run.returncode)
'''


class LyingFleet:
    """``liar`` first (so that on the old code it was the host run_once tasks ran for), then
    honest hosts; every certfleet variable in the inventory, where users declare them (a
    variable given with -e would outrank any fact)."""

    def __init__(self, directory, group_vars, honest=("honest-1", "honest-2"), liar_vars=None, liar="liar"):
        self.directory = str(directory)
        self.lies_path = os.path.join(self.directory, "lies.json")
        self.wrapper = os.path.join(self.directory, "liar-python")
        with open(self.wrapper, "w") as handle:
            handle.write(WRAPPER % dict(python=sys.executable, lies=self.lies_path))
        os.chmod(self.wrapper, os.stat(self.wrapper).st_mode | stat.S_IXUSR)
        self.hosts = [liar] + list(honest)
        hosts = {}
        for host in self.hosts:
            hosts[host] = dict(
                ansible_python_interpreter=self.wrapper if host == liar else sys.executable,
                certfleet_certificates_dir=self.path(host, "certs"), certfleet_staging_dir=self.path(host, "staging"))
        hosts[liar].update(liar_vars or {})
        self.inventory = os.path.join(self.directory, "inventory.yml")
        with open(self.inventory, "w") as handle:
            yaml.safe_dump({"all": {"hosts": hosts, "vars": dict(group_vars, ansible_connection="local")}}, handle,
                           sort_keys=False)
        self.lie({})

    def path(self, host, *parts):
        return os.path.join(self.directory, host, *parts)

    def lie(self, lies):
        with open(self.lies_path, "w") as handle:
            json.dump(lies, handle)

    def playbook(self, playbook, *extra, inject_facts=False, env=None):
        """ansible-playbook against the fleet; ``inject_facts`` runs it on Ansible's old default
        (facts applied as variables), where the attacks worked."""
        environment = dict(os.environ, ANSIBLE_INJECT_FACT_VARS=str(inject_facts).lower(), **(env or {}))
        return subprocess.run(["ansible-playbook", "-i", self.inventory, playbook, *extra], env=environment,
                              capture_output=True, text=True, check=False, timeout=600)

    def installed(self, host, name="web"):
        """The PEM of ``host``'s current certificate ``name``, or None."""
        path = os.path.join(self.path(host, "certs"), name, "current", "cert.pem")
        return open(path).read() if os.path.exists(path) else None
