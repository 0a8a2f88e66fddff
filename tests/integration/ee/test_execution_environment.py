"""The execution environment: `make ee` (scripts/ee.sh) writes an ansible-builder build
context, and ansible-builder's own introspection finds certfleet.pki's Python and system
dependencies in the artifact that goes into the image. The image build needs a container
engine and is not run here."""

import os
import subprocess
import tarfile

import pytest

from helpers.paths import REPO


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    out = tmp_path_factory.mktemp("ee")
    created = subprocess.run([os.path.join(REPO, "scripts", "ee.sh"), str(out)], capture_output=True, text=True,
                             check=False)
    assert created.returncode == 0, created.stdout + created.stderr
    return out / "context"


def test_containerfile_installs_the_collection_from_its_artifact(context):
    containerfile = (context / "Containerfile").read_text()
    assert 'ARG EE_BASE_IMAGE="quay.io/centos/centos:stream9"' in containerfile
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml" in containerfile
    assert "introspect.py introspect" in containerfile
    requirements = (context / "_build" / "requirements.yml").read_text()
    assert "collection/certfleet-pki.tar.gz" in requirements
    with tarfile.open(context / "_build" / "collection" / "certfleet-pki.tar.gz") as artifact:
        names = set(artifact.getnames())
    assert {"MANIFEST.json", "meta/execution-environment.yml", "requirements.txt", "bindep.txt"} <= names
    assert "requirements-dev.txt" not in names


def test_introspection_finds_runtime_dependencies_only(context, tmp_path):
    collections = tmp_path / "collections"
    install = subprocess.run(
        ["ansible-galaxy", "collection", "install", "--no-deps", "-p", str(collections),
         str(context / "_build" / "collection" / "certfleet-pki.tar.gz")],
        env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections)), capture_output=True, text=True, check=False)
    assert install.returncode == 0, install.stderr
    pip_file, bindep_file = tmp_path / "requirements.txt", tmp_path / "bindep.txt"
    introspect = subprocess.run(
        ["python3", str(context / "_build" / "scripts" / "introspect.py"), "introspect", str(collections),
         "--write-pip", str(pip_file), "--write-bindep", str(bindep_file)],
        capture_output=True, text=True, check=False)
    assert introspect.returncode == 0, introspect.stderr
    python = {line.split("#")[0].strip() for line in pip_file.read_text().splitlines()}
    assert {"boto3>=1.35,<2", "cryptography>=43,<51", "python-pkcs11==0.10.1", "asn1crypto==1.5.1"} <= python
    assert not any(line.startswith(("ansible", "pytest", "molecule")) for line in python), python
    system = [line.split("#")[0].strip() for line in bindep_file.read_text().splitlines()]
    rpm_runtime = {line.split()[0] for line in system if "platform:rpm" in line and "compile" not in line}
    assert {"python3.11", "openssl", "softhsm"} <= rpm_runtime
    # The lab and test tools stay out of the image: only the test profile names them.
    assert all("test" in line for line in system if line.split()[0] in ("nginx", "apache2", "shellcheck"))
