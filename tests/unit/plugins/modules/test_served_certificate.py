"""served_certificate against a TLS server on 127.0.0.1 in this process: the served
certificate is compared by fingerprint, the chain is verified for the SNI name, and a switch
of certificate is waited for."""

import threading
import time

import pytest

from ansible_collections.certfleet.pki.plugins.modules import served_certificate
from helpers.tls_server import NAME


def probe(module_runner, pki, expected, **args):
    return module_runner(served_certificate, dict(dict(address="127.0.0.1", port=pki["server"].port, server_name=NAME,
                                                       certificate=pki["certificates"][expected],
                                                       ca_file=str(pki["tmp"] / "root.pem")), **args))


def test_the_served_certificate_verifies(module_runner, pki):
    result = probe(module_runner, pki, "old")
    assert result["serving"] is True and result["changed"] is False and result["error"] is None
    assert result["served"]["fingerprint_sha256"] == result["expected"]["fingerprint_sha256"]
    assert result["served"]["subject"] == "CN=" + NAME


def test_another_certificate_fails_naming_both_serials(module_runner, pki):
    result = probe(module_runner, pki, "new")
    assert result["failed"] is True and result["serving"] is False
    assert "serves CN=%s serial %s, not the deployed certificate (serial %s)" % (
        NAME, result["served"]["serial"], result["expected"]["serial"]) in result["msg"]


def test_report_only(module_runner, pki):
    result = probe(module_runner, pki, "new", fail_on_mismatch=False)
    assert "failed" not in result and result["serving"] is False and result["error"]


@pytest.mark.parametrize("args, problem", [
    (dict(ca_file="other-root.pem"), "self-signed certificate in certificate chain"),
    (dict(server_name="other.example.internal"), "Hostname mismatch"),
])
def test_chain_that_does_not_verify(module_runner, pki, args, problem):
    if "ca_file" in args:
        args["ca_file"] = str(pki["tmp"] / args["ca_file"])
    result = probe(module_runner, pki, "old", **args)
    assert result["failed"] is True and result["served"] is not None
    assert problem in result["chain_error"] and "its chain does not verify" in result["msg"]


def test_nothing_listening(module_runner, pki):
    pki["server"].close()
    result = probe(module_runner, pki, "old")
    assert result["failed"] is True and result["served"] is None
    assert "127.0.0.1:%d (%s)" % (pki["server"].port, NAME) in result["msg"]


def test_wait_until_the_new_certificate_is_served(module_runner, pki):
    threading.Timer(1.0, pki["server"].serve, args=("new",)).start()
    started = time.monotonic()
    result = probe(module_runner, pki, "new", wait=10)
    assert result["serving"] is True and 0.9 < time.monotonic() - started < 10


def test_a_missing_certificate_file(module_runner, pki):
    missing = str(pki["tmp"] / "absent.pem")
    failed = probe(module_runner, pki, "old", certificate=missing)
    assert failed["failed"] is True and missing in failed["msg"]
    reported = probe(module_runner, pki, "old", certificate=missing, fail_on_mismatch=False)
    assert "failed" not in reported and reported["deployed"] is False and reported["serving"] is False
