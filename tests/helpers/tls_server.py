"""A TLS server on 127.0.0.1 in the test process, with a private CA and two leaf
certificates for it ("old" and "new"): what the probing modules are tested against."""

import socket
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.certfleet.pki.plugins.module_utils._certificate_builder import build_certificate
from ansible_collections.certfleet.pki.plugins.module_utils._signers import SoftwareSigner
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import to_pem

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
