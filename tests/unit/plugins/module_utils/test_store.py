"""The one owner of the on-host layout (module_utils/_store.py): where everything is, and
the versions, history and switch that certificate_deploy builds on."""

import os
import time

import pytest

from ansible_collections.certfleet.pki.plugins.module_utils._store import (
    CertificateStore,
    StoreError,
    certificate_dir,
    certificate_paths,
    left_behind_keys,
    staged_key_path,
)


def test_the_layout_is_defined_once():
    assert certificate_dir("web") == "/etc/certfleet/certs/web"
    assert certificate_dir("web", "/srv/certs/") == "/srv/certs/web"
    assert certificate_paths("/srv/certs/web") == {
        "dir": "/srv/certs/web", "certificate": "/srv/certs/web/current/cert.pem",
        "chain": "/srv/certs/web/current/chain.pem", "fullchain": "/srv/certs/web/current/fullchain.pem",
        "key": "/srv/certs/web/current/key.pem", "pkcs12": "/srv/certs/web/current/cert.p12"}
    assert staged_key_path("web", "run1") == "/etc/certfleet/staging/web/run1.key.pem"


def add(store, label, content="certificate"):
    return store.add_version({"cert.pem": content.encode(), "key.pem": b"key"}, label, lambda path: None,
                             shared_with_group=False)


def test_versions_switch_atomically_prune_and_roll_back_along_the_history(tmp_path):
    store = CertificateStore(str(tmp_path / "web"))
    os.makedirs(store.directory)
    first = add(store, "a")
    assert store.make_current(first, keep=2) == [] and store.active_version() == first
    assert oct(os.stat(os.path.join(store.directory, first, "key.pem")).st_mode & 0o777) == "0o600"
    second = add(store, "b", "second")
    store.make_current(second, keep=2)
    assert store.read_current("cert.pem") == "second"
    third = add(store, "c")
    assert store.make_current(third, keep=2) == [first]   # the new and the replaced one stay
    assert store.versions() == [second, third] and store.history() == [second, third]
    target, history = store.rollback_target()
    assert target == second
    store.roll_back(target, history)
    assert store.active_version() == second
    with pytest.raises(StoreError, match="no version before %s" % second):
        store.rollback_target()


def test_an_interrupted_write_never_becomes_a_version(tmp_path):
    store = CertificateStore(str(tmp_path))
    os.makedirs(os.path.join(store.directory, ".staging-killed"))
    add(store, "a")
    assert not any(name.startswith(".staging-") for name in os.listdir(store.directory))


def test_only_staged_keys_older_than_the_limit_are_left_behind(tmp_path):
    staging = tmp_path / "web"
    staging.mkdir()
    old, new = staging / "old.key.pem", staging / "new.key.pem"
    old.write_text("k")
    new.write_text("k")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    assert left_behind_keys([str(staging), str(tmp_path / "missing")], 3600, time.time()) == [str(old)]
