"""Every collection the content names is one it can count on: galaxy.yml depends on it and
the execution environment installs it. ansible-core refuses to load a role that names a
module it cannot resolve, even in a task that would be skipped, so one missing collection
breaks every job that uses the role."""

import os
import re

import pytest
import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
# What runs in an execution environment or on a host (SSM): the roles and the playbooks.
CONTENT = ("roles", "playbooks")
BUILTIN = {"ansible.builtin", "ansible.legacy", "certfleet.pki"}
FQCN = r"([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)\.[a-z][a-z0-9_]*"
# Where a collection's content is named: a task's module key, a role in include_role /
# import_role / roles:, a filter or test after '|' or 'is', a lookup, a module_defaults group.
USES = [re.compile(pattern % FQCN) for pattern in (
    r"^\s*(?:- )?%s:", r"^\s*(?:- )?(?:name|role): %s\s*$", r"\|\s*%s\b", r"\bis\s+(?:not\s+)?%s\b",
    r"(?:lookup|query)\(\s*['\"]%s['\"]", r"group/%s\b")]


def content_files():
    for top in CONTENT:
        for directory, _subdirectories, files in os.walk(os.path.join(REPO, top)):
            for name in files:
                if name.endswith((".yml", ".yaml", ".j2")):
                    yield os.path.join(directory, name)


def collections_named(text):
    named = set()
    for line in text.splitlines():
        for use in USES:
            named.update("%s.%s" % match for match in use.findall(line))
    return named


def used_collections():
    used = {}
    for path in content_files():
        with open(path) as handle:
            for collection in collections_named(handle.read()) - BUILTIN:
                used.setdefault(collection, os.path.relpath(path, REPO))
    return used


def version_tuple(text):
    return tuple(int(part) for part in text.split("."))


def load(*path):
    with open(os.path.join(REPO, *path)) as handle:
        return yaml.safe_load(handle)


def test_the_scan_finds_each_way_content_names_a_collection():
    text = """
- community.crypto.openssl_privatekey:
- ansible.builtin.include_role:
    name: example.roles.web
roles:
  - role: example.play.base
msg: "{{ value | example.filters.to_text }} {{ lookup('example.lookups.vault', 'x') }}"
when: value is example.tests.valid
module_defaults: {group/example.aws.aws: {}}
name: Install www.example.internal
"""
    assert collections_named(text) == {"community.crypto", "ansible.builtin", "example.roles", "example.play",
                                       "example.filters", "example.lookups", "example.tests", "example.aws"}


@pytest.mark.parametrize("requirements", ["galaxy.yml", "execution-environment/requirements.yml"])
def test_every_collection_the_content_uses_is_required(requirements):
    used = used_collections()
    assert "community.crypto" in used, "the scan must see the content's collections"
    if requirements == "galaxy.yml":
        declared = set(load("galaxy.yml")["dependencies"])
    else:
        declared = {entry["name"] for entry in load("execution-environment", "requirements.yml")["collections"]}
    missing = dict((collection, used[collection]) for collection in used if collection not in declared)
    assert not missing, "%s lacks collections the content uses (collection: first file): %s" % (requirements, missing)


def test_the_execution_environment_pins_every_dependency_within_galaxy_ranges():
    dependencies = load("galaxy.yml")["dependencies"]
    pinned = dict((entry["name"], entry.get("version")) for entry in load("execution-environment", "requirements.yml")
                  ["collections"] if entry.get("type") != "file")
    assert set(pinned) == set(dependencies)
    for name, version in pinned.items():
        low, high = re.match(r">=([0-9.]+),<([0-9.]+)", dependencies[name]).groups()
        assert version_tuple(low) <= version_tuple(version) < version_tuple(high), (name, version, dependencies[name])
