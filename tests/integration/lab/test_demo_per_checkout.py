"""The demo a newcomer runs: a second `make demo` (scripts/demo.sh up) converges the running
fleet with the same serials, and each checkout has its own demo lab, so `make demo-down` in
one clone leaves another clone's demo running."""

import json
import os
import shutil
import subprocess
from pathlib import Path

from helpers.lab_fleet import play_recap
from helpers.paths import REPO


def checkout(tmp_path, name):
    """A second clone as far as the demo script can tell: its own path, its scripts and lab tool."""
    root = tmp_path / name
    shutil.copytree(os.path.join(REPO, "scripts"), str(root / "scripts"))
    shutil.copytree(os.path.join(REPO, "tools", "lab"), str(root / "tools" / "lab"))
    return root


def demo_script(root, *args):
    run = subprocess.run([str(root / "scripts" / "demo.sh"), *args], capture_output=True, text=True, check=False, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout.strip()


def lab_status(root, name):
    run = subprocess.run(["python3", str(root / "tools" / "lab" / "lab.py"), "status", "--name", name],
                         capture_output=True, text=True, check=False)
    return json.loads(run.stdout) if run.returncode == 0 else None


def test_demo_down_in_one_clone_leaves_the_other_clones_demo_running(tmp_path):
    first, second = checkout(tmp_path, "clone-a"), checkout(tmp_path, "clone-b")
    first_lab = demo_script(first, "name")
    assert first_lab != demo_script(second, "name") and first_lab != demo_script(checkout(tmp_path, "clone-c"), "name")
    subprocess.run(["python3", str(first / "tools" / "lab" / "lab.py"), "up", "--name", first_lab, "--host", "demo-1:plain"],
                   capture_output=True, text=True, check=True, timeout=120)
    try:
        demo_script(second, "down")
        status = lab_status(first, first_lab)
        assert status is not None and all(host["running"] for host in status["hosts"]), status
    finally:
        demo_script(first, "down")
    assert lab_status(first, first_lab) is None


def summary_table(stdout):
    """The table scripts/demo.sh prints after the run: the header row and one row per certificate."""
    lines = stdout.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("HOST "))
    return lines[start:next(index for index in range(start, len(lines)) if lines[index].startswith("demo: "))]


def test_a_second_demo_run_converges_on_the_running_fleet_with_the_same_serials():
    repo = Path(REPO)
    name = demo_script(repo, "name")
    was_running = lab_status(repo, name) is not None
    try:
        first = demo_script(repo, "up")
        second = demo_script(repo, "up")
        assert "is running; converging it" in second
        assert set(play_recap(second).values()) == {(0, 0)}, second[-3000:]
        table = summary_table(second)
        assert table == summary_table(first) and len(table) == 5, table  # header + 4 hosts, same serials
    finally:
        if not was_running:
            demo_script(repo, "down")
