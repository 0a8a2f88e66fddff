"""The AWX / Automation Platform assets: configure.yml uses only options its awx.awx modules
document, the credential type injects the variable the pkcs11 modules read, and every survey
question sets a variable the job's playbook actually uses."""

import json
import os
import subprocess

import pytest
import yaml

from ansible_collections.certfleet.pki.plugins.module_utils._pkcs11_token import pkcs11_argument_spec

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
AWX = os.path.join(REPO, "extras", "awx")
SURVEY_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}


def load_yaml(*path):
    with open(os.path.join(*path)) as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def play():
    (configure,) = load_yaml(AWX, "configure.yml")
    return configure


def documented_options(module):
    doc = subprocess.run(["ansible-doc", "--json", module], capture_output=True, text=True, check=True).stdout
    return set(json.loads(doc)[module]["doc"]["options"])


def test_configure_uses_only_documented_options(play):
    for task in play["tasks"]:
        (module,) = [key for key in task if key.startswith("awx.awx.")]
        unknown = set(task[module]) - documented_options(module)
        assert not unknown, "%s: %s" % (module, sorted(unknown))


def test_credential_type_injects_the_pin_the_modules_read():
    credential_type = load_yaml(AWX, "credential_type_pkcs11_pin.yml")
    (field,) = credential_type["inputs"]["fields"]
    assert field["secret"] is True and credential_type["inputs"]["required"] == [field["id"]]
    (variable,) = credential_type["injectors"]["env"]
    assert variable in pkcs11_argument_spec()["pin"]["fallback"][1]
    assert credential_type["injectors"]["env"][variable] == "{{ %s }}" % field["id"]
    assert "extra_vars" not in credential_type["injectors"], "a PIN in extra vars is stored with the job"


def variables_read_by(playbook):
    """The playbook's text and the argument specs of the roles it runs (which document every variable)."""
    with open(os.path.join(REPO, playbook)) as handle:
        text = handle.read()
    for role in sorted(os.listdir(os.path.join(REPO, "roles"))):
        if "certfleet.pki." + role in text:
            with open(os.path.join(REPO, "roles", role, "meta", "argument_specs.yml")) as handle:
                text += handle.read()
    return text


def test_every_survey_question_sets_a_variable_its_playbook_uses(play):
    templates = [template for template in play["vars"]["certfleet_awx_job_templates"] if "survey" in template]
    assert {template["name"] for template in templates} == {"certfleet rotate", "certfleet revoke"}
    for template in templates:
        with open(os.path.join(AWX, template["survey"])) as handle:
            survey = json.load(handle)
        assert survey["name"] and survey["description"] and survey["spec"]
        used = variables_read_by(template["playbook"])
        for question in survey["spec"]:
            assert question["type"] in SURVEY_TYPES and question["question_name"], question
            assert question["variable"] in used, "%s: %s is read by nothing" % (template["playbook"], question["variable"])
            if question["type"] == "multiplechoice":
                assert question["default"] in question["choices"]
