"""served_certificate against a TLS server on 127.0.0.1 in this process: the served
certificate is compared by fingerprint, the chain is verified for the SNI name, and a switch
of certificate is waited for."""

import socket
import ssl
import threading
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.certfleet.pki.plugins.module_utils._certificate_builder import build_certificate
from ansible_collections.certfleet.pki.plugins.module_utils._signers import SoftwareSigner
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import to_pem
from ansible_collections.certfleet.pki.plugins.modules import served_certificate

NAME = "web.example.internal"


def name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_ca(common_name):
    key = ec.generate_private_key(ec.SECP256R1())
    return key, build_certificate(SoftwareSigner(key), "root_ca", name(common_name), key.public_key())[0]


def make_leaf(directory, label, ca):
    ca_key, ca_certificate = ca
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = build_certificate(SoftwareSigner(ca_key), "server", name(NAME), key.public_key(), ca_certificate,
                                    [x509.DNSName(NAME)], validity_days=30)[0]
    (directory / (label + ".pem")).write_text(to_pem(certificate) + to_pem(ca_certificate))
    (directory / (label + ".key")).write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (directory / (label + "-cert.pem")).write_text(to_pem(certificate))
    return str(directory / (label + "-cert.pem"))


class TlsServer:
    """Accepts TLS connections on 127.0.0.1 and serves whichever certificate is loaded."""

    def __init__(self, directory, label):
        self.directory = directory
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.serve(label)
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def serve(self, label):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(self.directory / (label + ".pem")), str(self.directory / (label + ".key")))
        self.context = context

    def _accept(self):
        while True:
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return
            try:
                with self.context.wrap_socket(connection, server_side=True) as tls:
                    tls.recv(1)
            except (OSError, ssl.SSLError):
                pass

    def close(self):
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        except OSError:
            pass
        self.listener.close()
        self.thread.join(timeout=5)


@pytest.fixture
def pki(tmp_path):
    ca = make_ca("Root")
    other_ca = make_ca("Other root")
    (tmp_path / "root.pem").write_text(to_pem(ca[1]))
    (tmp_path / "other-root.pem").write_text(to_pem(other_ca[1]))
    certificates = {"old": make_leaf(tmp_path, "old", ca), "new": make_leaf(tmp_path, "new", ca)}
    server = TlsServer(tmp_path, "old")
    yield dict(tmp=tmp_path, certificates=certificates, server=server)
    server.close()


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
