"""A moto server on 127.0.0.1 for the integration tests, with its request recorder on."""

import json
import os
import socket
import subprocess
import time
import urllib.request

import pytest


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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

    def calls(self, operation):
        """How many requests for ``operation`` the server has received."""
        if not os.path.exists(self.recording):
            return 0
        with open(self.recording) as handle:
            return sum(1 for line in handle
                       if json.loads(line)["headers"].get("X-Amz-Target") == "ACMPrivateCA." + operation)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    """A moto server for one test module, stopped (by its PID) afterwards."""
    server = MotoServer(str(tmp_path_factory.mktemp("moto")))
    yield server
    server.stop()
