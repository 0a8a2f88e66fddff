"""A moto server on 127.0.0.1 for the integration tests, with its request recorder on."""

import base64
import http.client
import http.server
import json
import os
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request

import boto3
import pytest


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def active_root_ca(client, key_algorithm="EC_prime256v1", signing_algorithm="SHA256WITHECDSA", common_name="Moto Root",
                   revocation=None):
    """An ACTIVE root CA made through ``client`` (moto signs and imports its own certificate);
    returns its ARN. ``revocation`` is its RevocationConfiguration."""
    extra = dict(RevocationConfiguration=revocation) if revocation else {}
    arn = client.create_certificate_authority(
        CertificateAuthorityConfiguration={"KeyAlgorithm": key_algorithm, "SigningAlgorithm": signing_algorithm,
                                           "Subject": {"CommonName": common_name, "Organization": "certfleet"}},
        CertificateAuthorityType="ROOT", **extra)["CertificateAuthorityArn"]
    csr = client.get_certificate_authority_csr(CertificateAuthorityArn=arn)["Csr"]
    root_arn = client.issue_certificate(
        CertificateAuthorityArn=arn, Csr=csr.encode(), SigningAlgorithm=signing_algorithm,
        TemplateArn="arn:aws:acm-pca:::template/RootCACertificate/V1", Validity={"Type": "YEARS", "Value": 10},
    )["CertificateArn"]
    root = client.get_certificate(CertificateAuthorityArn=arn, CertificateArn=root_arn)["Certificate"]
    client.import_certificate_authority_certificate(CertificateAuthorityArn=arn, Certificate=root.encode())
    return arn


class MotoServer:
    def __init__(self, directory):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.recording = os.path.join(directory, "recording.jsonl")
        env = dict(os.environ, MOTO_RECORDER_FILEPATH=self.recording)
        self.process = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(self.port)], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    break
            time.sleep(0.1)
        self._post("/moto-api/recorder/start-recording")

    def _post(self, path):
        urllib.request.urlopen(urllib.request.Request(self.url + path, method="POST"), timeout=5).read()

    def requests(self, operation, service="ACMPrivateCA"):
        """The request bodies for ``operation`` of ``service`` (the X-Amz-Target prefix:
        ACMPrivateCA, TrentService for KMS, CertificateManager for ACM, secretsmanager) the
        server has received, oldest first."""
        if not os.path.exists(self.recording):
            return []
        with open(self.recording) as handle:
            entries = [json.loads(line) for line in handle]
        return [json.loads(base64.b64decode(entry["body"]) if entry["body_encoded"] else entry["body"])
                for entry in entries
                if entry["headers"].get("X-Amz-Target") == service + "." + operation]

    def calls(self, operation, service="ACMPrivateCA"):
        """How many requests for ``operation`` of ``service`` the server has received."""
        return len(self.requests(operation, service))

    def client(self, region="eu-west-1"):
        return boto3.client("acm-pca", region_name=region, endpoint_url=self.url,
                            aws_access_key_id="test", aws_secret_access_key="test")

    def active_root_ca(self, region="eu-west-1"):
        """An ACTIVE EC root CA (moto signs and imports its own certificate); returns its ARN."""
        return active_root_ca(self.client(region))

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


class ThrottlingProxy:
    """An HTTP proxy in front of the moto server that answers the first ``throttle`` requests
    for ``operation`` with ThrottlingException, as ACM PCA does above its quota, and passes
    everything else through. ``throttled`` counts what it refused."""

    def __init__(self, upstream, operation, throttle):
        self.upstream = urllib.parse.urlsplit(upstream).netloc
        self.target = "ACMPrivateCA." + operation
        self.remaining = throttle
        self.throttled = 0
        self.lock = threading.Lock()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _should_throttle(self, headers):
        with self.lock:
            if headers.get("X-Amz-Target") != self.target or self.remaining == 0:
                return False
            self.remaining -= 1
            self.throttled += 1
            return True

    def _handler(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if proxy._should_throttle(self.headers):
                    self._answer(400, {"Content-Type": "application/x-amz-json-1.1"},
                                 json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode())
                    return
                connection = http.client.HTTPConnection(proxy.upstream, timeout=30)
                connection.request("POST", self.path, body, dict(self.headers))
                response = connection.getresponse()
                self._answer(response.status, dict(response.getheaders()), response.read())
                connection.close()

            def _answer(self, status, headers, body):
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    """A moto server for one test module, stopped (by its PID) afterwards."""
    server = MotoServer(str(tmp_path_factory.mktemp("moto")))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def ca_arn(moto):
    return moto.active_root_ca()
