"""playbooks/bootstrap_pki.yml run as its tests run it: the JSON callback, and every failed
task named when the run fails."""

import json
import os
import subprocess

import pytest

from helpers.paths import REPO

PLAYBOOK = os.path.join(REPO, "playbooks", "bootstrap_pki.yml")


def run_bootstrap(setup, *args):
    """The localhost stats of one run with ``setup``'s env and extra arguments (``env`` must
    select the json stdout callback); fails the test with the failed tasks' messages."""
    completed = subprocess.run(["ansible-playbook", PLAYBOOK, *setup["extra"], *args], env=setup["env"],
                               capture_output=True, text=True, check=False, timeout=600)
    try:
        report = json.loads(completed.stdout)
    except ValueError:
        pytest.fail("ansible-playbook printed no JSON: %s %s" % (completed.stdout[-3000:], completed.stderr[-3000:]))
    failures = [(task["task"]["name"], result.get("msg")) for each in report["plays"] for task in each["tasks"]
                for result in task["hosts"].values() if result.get("failed")]
    assert completed.returncode == 0 and not failures, failures or completed.stderr[-3000:]
    return report["stats"]["localhost"]
