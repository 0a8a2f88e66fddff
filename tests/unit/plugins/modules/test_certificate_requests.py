"""certificate_requests: every due key and CSR of a host in one run; keys stay on the host."""

import errno
import os
import stat

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ansible_collections.certfleet.pki.plugins.modules import certificate_requests
from helpers.keys import write_key


def request(tmp_path, name, **extra):
    return dict(dict(name=name, key_path=str(tmp_path / "staging" / name / "run1.key.pem"), common_name="%s.example" % name,
                     subject_alt_names=["DNS:%s.example" % name, "IP:10.0.0.5"]), **extra)


def test_keys_are_made_here_and_never_returned_and_each_csr_holds_its_names(tmp_path, module_runner):
    result = module_runner(certificate_requests, dict(requests=[
        request(tmp_path, "web"), request(tmp_path, "api", key={"type": "rsa", "size": 2048})]))
    assert result["changed"] is True and [r["name"] for r in result["requests"]] == ["web", "api"]
    assert "PRIVATE KEY" not in str(result)
    for entry, key_type in zip(result["requests"], (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
        mode = os.stat(entry["key_path"]).st_mode
        assert stat.S_IMODE(mode) == 0o600 and stat.S_IMODE(os.stat(os.path.dirname(entry["key_path"])).st_mode) == 0o700
        with open(entry["key_path"], "rb") as handle:
            key = serialization.load_pem_private_key(handle.read(), password=None)
        assert isinstance(key, key_type)
        csr = x509.load_pem_x509_csr(entry["csr"].encode())
        assert csr.is_signature_valid and csr.public_key().public_numbers() == key.public_key().public_numbers()
        sans = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert sans.get_values_for_type(x509.DNSName) == ["%s.example" % entry["name"]]


def test_a_reused_key_is_read_not_replaced(tmp_path, module_runner):
    key = ec.generate_private_key(ec.SECP384R1())
    path = write_key(tmp_path, "current.key.pem", key)
    before = open(path).read()
    result = module_runner(certificate_requests, dict(requests=[request(tmp_path, "web", key_path=path, new_key=False)]))
    assert result["changed"] is False and open(path).read() == before
    assert x509.load_pem_x509_csr(result["requests"][0]["csr"].encode()).public_key().public_numbers() \
        == key.public_key().public_numbers()


def test_check_mode_writes_nothing_and_absent_removes_only_new_keys(tmp_path, module_runner):
    requests = [request(tmp_path, "web"), request(tmp_path, "api")]
    checked = module_runner(certificate_requests, dict(requests=requests), check_mode=True)
    assert checked["requests"][0]["csr"] is None and not (tmp_path / "staging").exists()
    module_runner(certificate_requests, dict(requests=requests))
    reused = write_key(tmp_path, "kept.pem", ec.generate_private_key(ec.SECP256R1()))
    gone = module_runner(certificate_requests, dict(state="absent", requests=requests + [
        request(tmp_path, "kept", key_path=reused, new_key=False)]))
    assert gone["changed"] and sorted(gone["removed"]) == sorted(r["key_path"] for r in requests)
    assert os.path.exists(reused) and not any(os.path.exists(r["key_path"]) for r in requests)


def test_an_rsa_key_without_size_is_refused_by_name(tmp_path, module_runner):
    result = module_runner(certificate_requests, dict(requests=[request(tmp_path, "web", key={"type": "rsa"})]))
    assert result["failed"] and "an RSA key needs a size" in result["msg"]


def test_a_full_disk_names_the_key_it_could_not_write(tmp_path, module_runner, monkeypatch):
    def no_space(_descriptor):
        raise OSError(errno.ENOSPC, "No space left on device")  # as fsync() raises it: no file name
    monkeypatch.setattr(os, "fsync", no_space)
    wanted = request(tmp_path, "web")
    result = module_runner(certificate_requests, dict(requests=[wanted]))
    assert result["failed"] and result["msg"] == "cannot write %s: No space left on device" % wanted["key_path"]
