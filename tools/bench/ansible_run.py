"""One ansible-playbook run as the benchmarks measure it: wall time, the stats of each host
(JSON callback), and how many modules ran on each host (callback_plugins/remote_modules.py)."""

import json
import os
import subprocess
import tempfile
import time

CALLBACKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "callback_plugins")


def run_playbook(env, inventory, play, *extra):
    """(seconds, stats by host, remote module executions by host); fails loudly."""
    with tempfile.NamedTemporaryFile(suffix=".json") as counts:
        env = dict(env, ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="json",
                   ANSIBLE_CALLBACK_PLUGINS=CALLBACKS, ANSIBLE_CALLBACKS_ENABLED="remote_modules",
                   CERTFLEET_BENCH_MODULE_COUNTS=counts.name)
        started = time.monotonic()
        completed = subprocess.run(["ansible-playbook", "-i", inventory, play, *extra], env=env,
                                   capture_output=True, text=True, check=False)
        seconds = time.monotonic() - started
        remote = json.load(counts) if os.path.getsize(counts.name) else {}
    try:
        report = json.loads(completed.stdout)
    except ValueError:
        raise RuntimeError("%s failed:\n%s\n%s" % (play, completed.stdout[-3000:], completed.stderr[-3000:]))
    if completed.returncode != 0:
        failures = [(task["task"]["name"], host, result.get("msg")) for each in report["plays"] for task in each["tasks"]
                    for host, result in task["hosts"].items() if result.get("failed")]
        raise RuntimeError("%s failed: %s\n%s\n%s" % (play, json.dumps(report["stats"]), failures, completed.stderr[-2000:]))
    return seconds, report["stats"], remote


def per_host(counts):
    """"4" when every host ran 4 modules, "3/4" when some ran 3."""
    return "/".join(str(value) for value in sorted(set(counts.values()))) or "0"


def total_changed(stats):
    return sum(host["changed"] for host in stats.values())
