"""The SSM Command document as the SSM Agent would run it: parameters checked against their
allowed patterns and values, then substituted into the script as plain text."""

import json
import os
import re

from helpers.paths import REPO

DOCUMENT_JSON = os.path.join(REPO, "extras", "ssm", "certfleet-rotate.json")
DOCUMENT_YAML = os.path.join(REPO, "extras", "ssm", "certfleet-rotate.yaml")
PARAMETER_REFERENCE = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def load_document():
    with open(DOCUMENT_JSON) as handle:
        return json.load(handle)


def resolve_parameters(document, given):
    """Defaults filled in; every value validated the way SSM validates it before running."""
    unknown = set(given) - set(document["parameters"])
    if unknown:
        raise ValueError("unknown parameters: %s" % sorted(unknown))
    values = {}
    for name, spec in document["parameters"].items():
        value = given.get(name, spec.get("default"))
        if value is None:
            raise ValueError("%s has no value and no default" % name)
        if "allowedValues" in spec and value not in spec["allowedValues"]:
            raise ValueError("%s=%r is not one of %s" % (name, value, spec["allowedValues"]))
        if "allowedPattern" in spec and not re.search(spec["allowedPattern"], value):
            raise ValueError("%s=%r does not match %s" % (name, value, spec["allowedPattern"]))
        values[name] = value
    return values


def render_script(document, given):
    """The shell script of the document's one step, with parameters substituted."""
    values = resolve_parameters(document, given)
    (step,) = document["mainSteps"]
    script = "\n".join(step["inputs"]["runCommand"]) + "\n"
    return PARAMETER_REFERENCE.sub(lambda match: values[match.group(1)], script)
