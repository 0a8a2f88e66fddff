"""The lab's argument handling and inventory, without starting any host."""

import argparse
import importlib.util
import json
import os
import threading
import time

import pytest

LAB = os.path.join(os.path.dirname(__file__), "..", "..", "..", "tools", "lab", "lab.py")
spec = importlib.util.spec_from_file_location("certfleet_lab", LAB)
lab = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lab)


def specs(**kwargs):
    return lab.parse_host_specs(argparse.Namespace(**dict(dict(host=None, nginx=0, apache=0, domain=None), **kwargs)))


def test_counts_and_named_hosts():
    assert specs(nginx=2, apache=1, host=["db:plain"]) == [
        ("db", "plain"), ("nginx-1", "nginx"), ("nginx-2", "nginx"), ("apache-1", "apache")]
    assert specs(host=["bare"]) == [("bare", "plain")]


def test_a_domain_makes_every_name_a_name_inside_it():
    assert specs(nginx=1, host=["db:mixed"], domain="demo.internal") == [
        ("db.demo.internal", "mixed"), ("nginx-1.demo.internal", "nginx")]


def test_refusals():
    with pytest.raises(lab.LabError, match="no hosts requested"):
        specs()
    with pytest.raises(lab.LabError, match="unknown group 'iis'"):
        specs(host=["x:iis"])


def test_inventory_groups_and_connection(tmp_path):
    path = tmp_path / "inventory.yml"
    lab.write_inventory(str(path), {"identity_file": "/k", "hosts": [
        {"name": "nginx-1", "group": "nginx", "address": "127.0.1.1"},
        {"name": "apache-1", "group": "apache", "address": "127.0.1.2"}]})
    inventory = json.loads(path.read_text())["all"]
    assert inventory["children"]["nginx"]["hosts"] == {"nginx-1": {"ansible_host": "127.0.1.1"}}
    assert inventory["vars"]["ansible_python_interpreter"] == "/usr/bin/python3"
    assert inventory["vars"]["ansible_ssh_private_key_file"] == "/k"


def test_addresses_stay_on_loopback():
    assert all(address.startswith("127.") for address in lab.allocate_addresses(3))


class _StartedHost:
    pid = 0

    def poll(self):
        return None


def test_labs_started_at_once_take_different_addresses(tmp_path, monkeypatch):
    # Parallel test workers start labs at the same time. Slow the allocation down so that,
    # without the lock, both labs would read the same free address before either records it.
    monkeypatch.setattr(lab, "LAB_ROOT", str(tmp_path / "labs"))
    allocate = lab.allocate_addresses
    monkeypatch.setattr(lab, "allocate_addresses", lambda count: (allocate(count), time.sleep(0.3))[0])
    monkeypatch.setattr(lab, "start_host", lambda directory, host: _StartedHost())
    monkeypatch.setattr(lab, "wait_for_ssh", lambda hosts, processes: None)
    states = {}
    threads = [threading.Thread(target=lambda name=name: states.update({name: lab.up(name, [(name + "-1", "plain")])}))
               for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    addresses = [states[name]["hosts"][0]["address"] for name in ("first", "second")]
    assert len(set(addresses)) == 2, addresses
