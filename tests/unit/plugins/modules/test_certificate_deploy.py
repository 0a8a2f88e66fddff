"""certificate_deploy on a temporary directory: versions, the atomic current link, rollback."""

import grp
import os

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.certfleet.pki.plugins.module_utils._certificate_builder import build_certificate
from ansible_collections.certfleet.pki.plugins.module_utils._delivery import encrypted_key
from ansible_collections.certfleet.pki.plugins.module_utils._signers import SoftwareSigner
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import to_pem
from ansible_collections.certfleet.pki.plugins.modules import certificate_deploy
from helpers.keys import write_key

CA_KEY = ec.generate_private_key(ec.SECP256R1())
CA = build_certificate(SoftwareSigner(CA_KEY), "root_ca", x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CA")]),
                       CA_KEY.public_key())[0]


def issue(key):
    return to_pem(build_certificate(SoftwareSigner(CA_KEY), "server", x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "web")]),
                                    key.public_key(), CA, [x509.DNSName("web.example.internal")], validity_days=30)[0])


@pytest.fixture
def site(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    return dict(path=str(tmp_path / "certs" / "web"), tmp=tmp_path, key=key, key_src=write_key(tmp_path, "key1.pem", key))


def deploy(module_runner, site, check_mode=False, **args):
    return module_runner(certificate_deploy, dict(dict(path=site["path"], _ansible_diff=True), **args), check_mode=check_mode)


def current_file(site, name):
    return open(os.path.join(site["path"], "current", name)).read()


def test_install_then_idempotent(module_runner, site):
    certificate = issue(site["key"])
    first = deploy(module_runner, site, certificate=certificate, chain=to_pem(CA), key_src=site["key_src"])
    assert first["changed"] is True and first["previous_version"] is None
    # The root is the client's trust anchor: kept in chain.pem, not sent by servers.
    assert current_file(site, "fullchain.pem") == certificate and current_file(site, "chain.pem") == to_pem(CA)
    assert oct(os.stat(os.path.join(site["path"], "current", "key.pem")).st_mode & 0o777) == "0o600"
    assert os.path.islink(os.path.join(site["path"], "current"))
    again = deploy(module_runner, site, certificate=certificate, chain=to_pem(CA), key_src=site["key_src"])
    assert again["changed"] is False and again["version"] == first["version"]
    assert "serial" in first["diff"]["after"] and first["diff"]["before"] == ""


def test_servers_send_the_intermediates_and_the_root_only_when_asked(module_runner, site):
    intermediate_key = ec.generate_private_key(ec.SECP256R1())
    intermediate = build_certificate(SoftwareSigner(CA_KEY), "subordinate_ca",
                                     x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Issuing CA")]),
                                     intermediate_key.public_key(), CA)[0]
    leaf = to_pem(build_certificate(SoftwareSigner(intermediate_key), "server",
                                    x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "web")]), site["key"].public_key(),
                                    intermediate, [x509.DNSName("web.example.internal")], validity_days=30)[0])
    chain = to_pem(intermediate) + to_pem(CA)
    deploy(module_runner, site, certificate=leaf, chain=chain, key_src=site["key_src"])
    assert current_file(site, "fullchain.pem") == leaf + to_pem(intermediate)
    assert current_file(site, "chain.pem") == chain
    asked = deploy(module_runner, site, certificate=leaf, chain=chain, fullchain_root=True)
    assert asked["changed"] is True and current_file(site, "fullchain.pem") == leaf + chain


def test_renewal_with_key_reuse_and_rollback(module_runner, site):
    first = deploy(module_runner, site, certificate=issue(site["key"]), key_src=site["key_src"])
    renewed = issue(site["key"])
    second = deploy(module_runner, site, certificate=renewed)        # no key_src: keep the key
    assert second["changed"] is True and second["previous_version"] == first["version"]
    assert current_file(site, "cert.pem") == renewed
    back = deploy(module_runner, site, state="rollback")
    assert back["version"] == first["version"] and current_file(site, "cert.pem") != renewed


def test_mismatched_key_is_refused_and_current_stays(module_runner, site):
    first = deploy(module_runner, site, certificate=issue(site["key"]), key_src=site["key_src"])
    other = write_key(site["tmp"], "other.pem", ec.generate_private_key(ec.SECP256R1()))
    refused = deploy(module_runner, site, certificate=issue(site["key"]), key_src=other)
    assert refused["failed"] and "does not match the certificate" in refused["msg"]
    assert os.path.basename(os.readlink(os.path.join(site["path"], "current"))) == first["version"]
    assert sorted(n for n in os.listdir(site["path"]) if n not in (".history", ".lock")) == sorted([first["version"], "current"])


def test_keep_prunes_old_versions_but_never_current_or_previous(module_runner, site):
    made = [deploy(module_runner, site, certificate=issue(site["key"]), key_src=site["key_src"])["version"]
            for _index in range(5)]
    remaining = sorted(name for name in os.listdir(site["path"]) if name not in ("current", ".history", ".lock"))
    assert remaining == made[-3:]


def test_check_mode_writes_nothing(module_runner, site):
    planned = deploy(module_runner, site, check_mode=True, certificate=issue(site["key"]), key_src=site["key_src"])
    assert planned["changed"] is True and planned["version"] is None
    assert not os.path.exists(site["path"])
    deploy(module_runner, site, certificate=issue(site["key"]), key_src=site["key_src"])
    assert deploy(module_runner, site, check_mode=True, state="rollback")["failed"]


def test_group_makes_the_key_group_readable(module_runner, site):
    group = grp.getgrgid(os.getgid()).gr_name
    deploy(module_runner, site, certificate=issue(site["key"]), key_src=site["key_src"], group=group)
    key_path = os.path.join(site["path"], "current", "key.pem")
    assert oct(os.stat(key_path).st_mode & 0o777) == "0o640"
    assert grp.getgrgid(os.stat(key_path).st_gid).gr_name == group


def test_interrupted_staging_is_cleaned_and_never_current(module_runner, site):
    first = deploy(module_runner, site, certificate=issue(site["key"]), key_src=site["key_src"])
    leftover = os.path.join(site["path"], ".staging-crashed")
    os.makedirs(leftover)
    open(os.path.join(leftover, "cert.pem"), "w").close()
    second = deploy(module_runner, site, certificate=issue(site["key"]), key_src=site["key_src"])
    assert not os.path.exists(leftover)
    assert second["previous_version"] == first["version"]
    assert all(os.path.getsize(os.path.join(site["path"], "current", name)) > 0
               for name in ("cert.pem", "fullchain.pem", "key.pem"))


def test_no_key_anywhere_is_a_clear_error(module_runner, site):
    result = deploy(module_runner, site, certificate=issue(site["key"]))
    assert result["failed"] and "give key_src" in result["msg"]
    assert deploy(module_runner, site, certificate=issue(site["key"]), keep=1)["failed"]


def test_pkcs12_in_each_version_readable_with_the_passphrase(module_runner, site):
    from cryptography.hazmat.primitives.serialization import pkcs12
    certificate = issue(site["key"])
    first = deploy(module_runner, site, certificate=certificate, chain=to_pem(CA), key_src=site["key_src"])
    with_p12 = deploy(module_runner, site, certificate=certificate, chain=to_pem(CA), key_src=site["key_src"],
                      pkcs12_passphrase="changeit-1")
    assert with_p12["changed"] is True and with_p12["previous_version"] == first["version"]
    p12_path = os.path.join(site["path"], "current", "cert.p12")
    assert oct(os.stat(p12_path).st_mode & 0o777) == "0o600"
    key, cert, chain = pkcs12.load_key_and_certificates(open(p12_path, "rb").read(), b"changeit-1")
    assert to_pem(cert) == certificate and [to_pem(c) for c in chain] == [to_pem(CA)]
    assert key.public_key().public_numbers() == site["key"].public_key().public_numbers()
    again = deploy(module_runner, site, certificate=certificate, chain=to_pem(CA), key_src=site["key_src"],
                   pkcs12_passphrase="changeit-1")
    assert again["changed"] is False
    assert "changeit-1" not in str(again)


def test_rollback_returns_to_the_version_that_was_serving_not_the_one_sorting_before(module_runner, site):
    v1 = deploy(module_runner, site, certificate=issue(site["key"]), key_src=site["key_src"])["version"]
    v2 = deploy(module_runner, site, certificate=issue(site["key"]), key_src=site["key_src"])["version"]
    assert deploy(module_runner, site, state="rollback")["version"] == v1       # v2 failed verification
    v3 = deploy(module_runner, site, certificate=issue(site["key"]), key_src=site["key_src"])["version"]
    back = deploy(module_runner, site, state="rollback")
    assert back["previous_version"] == v3 and back["version"] == v1, "v2 never served successfully"
    assert v2 != back["version"]


def test_files_and_directories_reach_the_disk_before_each_rename(module_runner, site, monkeypatch):
    events = []
    real_fsync, real_rename = os.fsync, os.rename

    def fsync(descriptor):
        events.append(("fsync", os.readlink("/proc/self/fd/%d" % descriptor)))
        return real_fsync(descriptor)

    def rename(source, target):
        events.append(("rename", str(source), str(target)))
        return real_rename(source, target)
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "rename", rename)
    deploy(module_runner, site, certificate=issue(site["key"]), key_src=site["key_src"])
    version_rename = next(i for i, e in enumerate(events) if e[0] == "rename" and e[1].split("/")[-1].startswith(".staging-"))
    synced_before = [e[1] for e in events[:version_rename] if e[0] == "fsync"]
    staging = events[version_rename][1]
    assert all(os.path.join(staging, name) in synced_before for name in ("cert.pem", "chain.pem", "fullchain.pem", "key.pem"))
    assert staging in synced_before, "the version directory itself is flushed before it is renamed into place"
    current_rename = next(i for i, e in enumerate(events) if e[0] == "rename" and e[2].endswith("/current"))
    assert ("fsync", site["path"]) in events[current_rename:], "the switch of current is flushed"


def test_a_second_run_waits_for_the_lock_and_says_so(module_runner, site):
    import fcntl
    import threading
    os.makedirs(site["path"])
    holder = open(os.path.join(site["path"], ".lock"), "a")
    fcntl.flock(holder, fcntl.LOCK_EX)
    threading.Timer(1.5, lambda: (fcntl.flock(holder, fcntl.LOCK_UN), holder.close())).start()
    result = deploy(module_runner, site, certificate=issue(site["key"]), key_src=site["key_src"])
    assert result["changed"] is True and result["lock_waited"] >= 1, result


def test_a_write_error_names_the_path_and_leaves_current(module_runner, site, monkeypatch):
    first = deploy(module_runner, site, certificate=issue(site["key"]), key_src=site["key_src"])
    real_open = os.open

    def disk_full(path, *args, **kwargs):
        if str(path).endswith("fullchain.pem"):
            raise OSError(28, "No space left on device", str(path))
        return real_open(path, *args, **kwargs)
    monkeypatch.setattr(os, "open", disk_full)
    result = deploy(module_runner, site, certificate=issue(site["key"]), key_src=site["key_src"])
    assert result["failed"] and "fullchain.pem: No space left on device" in result["msg"], result
    assert os.path.basename(os.readlink(os.path.join(site["path"], "current"))) == first["version"]


def test_several_certificates_in_one_run_each_as_its_own_version(tmp_path, module_runner):
    keys = [ec.generate_private_key(ec.SECP256R1()) for _index in range(3)]
    entries = [dict(path=str(tmp_path / "certs" / name), certificate=issue(key), chain=to_pem(CA),
                    key_src=write_key(tmp_path, name + ".key", key)) for name, key in zip(("web", "api", "mail"), keys)]
    result = module_runner(certificate_deploy, dict(certificates=entries, keep=2))
    assert result["changed"] and [r["path"] for r in result["results"]] == [e["path"] for e in entries]
    for entry in entries:
        assert open(os.path.join(entry["path"], "current", "cert.pem")).read() == entry["certificate"]
    again = module_runner(certificate_deploy, dict(certificates=entries, keep=2))
    assert again["changed"] is False and all(not r["changed"] for r in again["results"])


def test_a_failing_entry_names_itself_and_what_was_installed_before_it(tmp_path, module_runner):
    key, other = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    good = dict(path=str(tmp_path / "web"), certificate=issue(key), key_src=write_key(tmp_path, "k1", key))
    bad = dict(path=str(tmp_path / "api"), certificate=issue(key), key_src=write_key(tmp_path, "k2", other))
    result = module_runner(certificate_deploy, dict(certificates=[good, bad]))
    assert result["failed"] and result["msg"].startswith(str(tmp_path / "api") + ": the key does not match")
    assert "installed before it in this run: %s" % (tmp_path / "web") in result["msg"]
    assert not os.path.exists(tmp_path / "api" / "current")


def test_a_delivered_key_is_decrypted_here_and_its_origin_kept_with_the_version(module_runner, site):
    passphrase = "a-run-passphrase-0123456789"
    certificate = issue(site["key"])
    first = deploy(module_runner, site, certificate=certificate, key_encrypted=encrypted_key(site["key"], passphrase),
                   key_passphrase=passphrase, origin="version-1")
    assert first["changed"] and passphrase not in str(first), first
    assert current_file(site, "key.pem").startswith("-----BEGIN PRIVATE KEY-----")
    assert current_file(site, "origin") == "version-1"
    again = deploy(module_runner, site, certificate=certificate, key_encrypted=encrypted_key(site["key"], passphrase),
                   key_passphrase=passphrase, origin="version-1")
    assert again["changed"] is False, "a re-encrypted key of the same version is no change"
    moved = deploy(module_runner, site, certificate=certificate, key_encrypted=encrypted_key(site["key"], passphrase),
                   key_passphrase=passphrase, origin="version-2")
    assert moved["changed"] and current_file(site, "origin") == "version-2"


def test_a_delivered_key_that_does_not_decrypt_is_refused_and_current_stays(module_runner, site):
    certificate = issue(site["key"])
    result = deploy(module_runner, site, certificate=certificate,
                    key_encrypted=encrypted_key(site["key"], "the-passphrase-it-was-made-with"),
                    key_passphrase="another-passphrase-entirely")
    assert result["failed"] and "does not decrypt with the run's passphrase" in result["msg"], result
    assert not os.path.exists(os.path.join(site["path"], "current"))
