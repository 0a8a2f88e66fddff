"""The SSM Command document: one document in two formats, every parameter documented and
used, and defaults that pass their own validation and match requirements.txt."""

import re
import subprocess

import pytest
import yaml

from ssm_document import DOCUMENT_YAML, PARAMETER_REFERENCE, REPO, load_document, render_script, resolve_parameters  # pylint: disable=import-error


@pytest.fixture(scope="module")
def document():
    return load_document()


def test_json_and_yaml_are_the_same_document(document):
    with open(DOCUMENT_YAML) as handle:
        assert yaml.safe_load(handle) == document


def test_schema_and_one_linux_shell_step(document):
    assert document["schemaVersion"] == "2.2" and document["description"]
    (step,) = document["mainSteps"]
    assert step["action"] == "aws:runShellScript"
    assert step["precondition"] == {"StringEquals": ["platformType", "Linux"]}


def test_every_parameter_is_documented_typed_and_used(document):
    step_text = str(document["mainSteps"])
    used = set(PARAMETER_REFERENCE.findall(step_text))
    assert used == set(document["parameters"])
    for name, spec in document["parameters"].items():
        assert spec["type"] == "String" and spec["description"], name
        assert "allowedPattern" in spec or "allowedValues" in spec, "%s is substituted into a shell script unchecked" % name


def test_defaults_pass_their_own_validation(document):
    assert resolve_parameters(document, {})["CertificatesFile"] == "/etc/certfleet/certfleet.yml"


@pytest.mark.parametrize("name, value", [
    ("ForceRenew", "web; rm -rf /"),
    ("CollectionSource", "certfleet.pki' && curl evil"),
    ("ExtraVariables", "{\"a\": \"$(id)\"}"),
    ("CertificateAuthorityArn", "arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/x'"),
    ("Check", "yes"),
])
def test_shell_metacharacters_are_refused(document, name, value):
    with pytest.raises(ValueError, match=name):
        resolve_parameters(document, {name: value})


def test_python_requirements_default_matches_requirements_txt(document):
    with open(REPO + "/requirements.txt") as handle:
        pinned = [line.strip() for line in handle if line.strip() and not line.startswith("#")]
    assert document["parameters"]["PythonRequirements"]["default"].split() == pinned


def test_rendered_script_passes_shellcheck(document, tmp_path):
    script = tmp_path / "rotate.sh"
    script.write_text(render_script(document, {
        "CertificateAuthorityArn": "arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab",
        "ForceRenew": "web,api", "Check": "True"}))
    assert not re.search(r"\{\{", script.read_text())
    lint = subprocess.run(["shellcheck", str(script)], capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout
