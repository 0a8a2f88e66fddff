"""The provider registry (issue 31) is complete: every provider has a module, a preflight and
every capability the roles read, and the options it names are the ones its modules take. The
roles' task files name no provider: they read the registry's capabilities."""

import importlib
import os
import re

import pytest
import yaml

from ansible_collections.certfleet.pki.plugins.filter.issuer_preflight import MODULE_VERDICTS
from ansible_collections.certfleet.pki.plugins.module_utils._providers import (
    CAPABILITIES,
    DELIVERS,
    MODULE_OPTION,
    PREFLIGHT_KINDS,
    PROVIDERS,
    SIGNS,
    can_revoke,
    module_args,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
ENTRY_KEYS = {"arrives", "module", "required", "optional", "module_options", "secret_options", "request_options",
              "certificate_profile_option", "preflight", "preflight_module", "preflight_options", "preflight_fixed",
              "records_in_ledger", "revocation", "revoke_module", "crl_source", "replaces_in_request",
              "current_in_request"}
# Task files that still call a provider's CRL module by name (docs/architecture.md).
NAMING_PROVIDERS = {"roles/crl/tasks/distribute.yml", "roles/crl/tasks/publish.yml"}


def fragment_options(fragment):
    """The options of a doc fragment named like ``amazon.aws.common.modules`` or ``certfleet.pki.pkcs11``."""
    parts = fragment.split(".")
    module = importlib.import_module("ansible_collections.%s.%s.plugins.doc_fragments.%s" % tuple(parts[:3]))
    text = getattr(module.ModuleDocFragment, parts[3].upper() if len(parts) > 3 else "DOCUMENTATION", "")
    return (yaml.safe_load(text) or {}).get("options") or {}


def documented_options(fqcn):
    """A module's options as ansible-doc shows them: its own and its doc fragments'."""
    module = importlib.import_module("ansible_collections.certfleet.pki.plugins.modules." + fqcn.split(".")[-1])
    documentation = yaml.safe_load(module.DOCUMENTATION)
    options = {}
    for fragment in documentation.get("extends_documentation_fragment") or []:
        options.update(fragment_options(fragment))
    options.update(documentation.get("options") or {})
    return options


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_every_provider_has_every_capability_the_roles_read(name):
    entry = PROVIDERS[name]
    assert set(entry) == ENTRY_KEYS
    assert all(capability in entry for capability in CAPABILITIES)
    assert entry["arrives"] in (SIGNS, DELIVERS)
    assert entry["preflight"] in PREFLIGHT_KINDS
    assert entry["revocation"] in (None, "ledger", "ca") and entry["crl_source"] in (None, "ledger", "ca")
    # An issuer that revokes at its CA names the module that does it; one that revokes in its
    # ledger records what it signs there.
    assert bool(entry["revoke_module"]) == (entry["revocation"] == "ca")
    assert entry["records_in_ledger"] == (entry["revocation"] == "ledger")
    if entry["arrives"] == SIGNS:
        # A signing issuer is checked before any key is staged: by its module, or its declared CA.
        assert entry["preflight"] in ("module", "ca_certificate")
        assert entry["preflight"] == "module" or "ca_certificate" in entry["required"]
    else:
        assert entry["preflight"] == "source" and entry["current_in_request"]


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_every_option_the_registry_names_is_one_its_modules_take(name):
    entry = PROVIDERS[name]
    options = documented_options(entry["module"])
    issuer_options = set(MODULE_OPTION.get(option, option) for option in entry["required"] + entry["optional"])
    assert set(entry["module_options"]) <= set(options) & issuer_options
    assert set(entry["request_options"]) - {"requester"} <= set(options["requests"]["suboptions"])
    for secret in entry["secret_options"]:
        assert options[secret].get("no_log") is not False and secret in entry["optional"]
    if entry["preflight"] == "module":
        checks = documented_options(entry["preflight_module"])
        assert set(entry["preflight_options"]) | set(entry["preflight_fixed"]) <= set(checks)
        assert entry["preflight_module"] in MODULE_VERDICTS
    if entry["revoke_module"]:
        revoking = documented_options(entry["revoke_module"])
        assert {"state", "current_certificate", "common_name", "subject_alt_names", "revocation_reason"} <= set(revoking)
        assert "revoked" in revoking["state"]["choices"]
    if entry["replaces_in_request"] or entry["current_in_request"]:
        option = entry["replaces_in_request"] or entry["current_in_request"][0]
        assert option in options["requests"]["suboptions"]


def test_module_args_take_the_connection_and_the_issuers_secrets_only():
    connection = dict(pkcs11_module="/lib/p11.so", token_label="ca", key_label="ca", ca_certificate="PEM",
                      ledger="file:///ledger", ca_chain="")
    args = module_args("pkcs11", connection, dict(pin="1234", environment={"A": "b"}))
    assert args == dict(pkcs11_module="/lib/p11.so", token_label="ca", key_label="ca", ca_certificate="PEM", pin="1234")


@pytest.mark.parametrize("issuer, able, why", [
    (dict(provider="acmpca"), True, ""),
    (dict(provider="pkcs11", ledger="file:///var/lib/ledger"), True, ""),
    (dict(provider="pkcs11"), False, "it keeps no issuance ledger"),
    (dict(provider="kms"), False, "only issuers that keep a CRL can revoke (acmpca, pkcs11 with a ledger)"),
    (dict(), False, "only issuers that keep a CRL can revoke"),
])
def test_revocation_is_a_capability_of_the_registry(issuer, able, why):
    result = can_revoke(issuer)
    assert result[0] is able and why in result[1]


def test_no_role_task_file_names_a_provider():
    pattern = re.compile(r"\b(%s)\b" % "|".join(sorted(PROVIDERS)))
    named = []
    for directory, _dirs, files in os.walk(os.path.join(ROOT, "roles")):
        for file_name in files:
            path = os.path.relpath(os.path.join(directory, file_name), ROOT)
            if "/tasks/" not in path or path in NAMING_PROVIDERS:
                continue
            with open(os.path.join(ROOT, path)) as handle:
                named += ["%s: %s" % (path, line.strip()) for line in handle if pattern.search(line)]
    assert named == []
