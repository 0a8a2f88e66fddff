# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The provider registry: the one place that names certfleet's issuers and sources.

For each provider: how its certificates arrive (``signs`` a CSR whose key stays on the host,
or ``delivers`` a certificate with a key made at the source), the module that does it and
which of the issuer's options that module takes, which options travel with each request of a
batch, the check run before any key is staged, and what the roles may ask of it (revocation,
CRLs). The plan validates declarations against it, the ``issuer_run`` action runs its modules,
and the roles read only its capabilities: adding a provider is one entry here, its backend and
its module (docs/architecture.md, "Add a provider").
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

SIGNS = "signs"
DELIVERS = "delivers"

# Options of the signing modules that belong to one request of a batch (their O(requests)).
_SIGNED_REQUEST = ("common_name", "subject_alt_names", "validity_days", "requester", "allowed_names",
                   "allowed_profiles", "max_validity_days", "key")
_AWS = ("region", "aws_profile", "endpoint_url")

# What a provider does not do unless its entry says so.
_NONE_UNLESS_SAID = dict(
    secret_options=(),  # read from the declaration when the module runs, never copied into the plan's facts
    certificate_profile_option=None,  # the module option that carries the certificate profile
    preflight_module=None, preflight_options=(), preflight_fixed={},
    records_in_ledger=False,  # what it signs is recorded in the issuer's ledger before install
    revocation=None, crl_source=None,
    revoke_module=None,  # with revocation "ca": the module that revokes at the CA (state=revoked)
    replaces_in_request=None,  # the request option that names the serial a request replaces
    current_in_request=None,  # (request option, status field): what the host has now, for a source to compare
)


def _provider(**entry):
    return dict(_NONE_UNLESS_SAID, **entry)


# Preflight kinds: "module" runs the provider's check module once per issuer and batch; every
# provider that signs is also refused when its CA certificate does not outlive the renewal
# window. "ca_certificate": that window is its whole check. "source": a delivering run is itself
# the check, made on every run, and a source that fails fails only the hosts it serves.
PROVIDERS = {
    "pkcs11": _provider(
        arrives=SIGNS,
        module="certfleet.pki.pkcs11_certificate",
        required=("pkcs11_module", "token_label", "key_label", "ca_certificate"),
        optional=("pin", "ca_chain", "profile", "ledger", "ledger_region", "ledger_endpoint_url",
                  "crl_distribution_points"),
        # Issuer options its module takes from the batch's shared options (the connection).
        module_options=("pkcs11_module", "token_label", "key_label", "ca_certificate", "ca_chain",
                        "crl_distribution_points"),
        secret_options=("pin",),
        request_options=_SIGNED_REQUEST + ("profile",),
        certificate_profile_option="profile",
        preflight="module",
        preflight_module="certfleet.pki.pkcs11_ca_info",
        preflight_options=("pkcs11_module", "token_label", "key_label", "ca_certificate"),
        # The public key is read without a login: the batch's signing run is the one login.
        preflight_fixed={"login": "when_needed"},
        records_in_ledger=True,
        # Revokes through its ledger, and signs its CRLs with the HSM key from that ledger.
        revocation="ledger",
        crl_source="ledger",
    ),
    "acmpca": _provider(
        arrives=SIGNS,
        module="certfleet.pki.acmpca_certificate",
        required=("certificate_authority_arn",),
        optional=_AWS + ("template", "ca_certificate"),
        module_options=("certificate_authority_arn", "region", "profile", "endpoint_url", "template_arn",
                        "ca_certificate"),
        request_options=_SIGNED_REQUEST,  # the ACM PCA template sets the certificate profile
        preflight="module",
        preflight_module="certfleet.pki.acmpca_certificate_authority_info",
        preflight_options=("certificate_authority_arn", "region", "profile", "endpoint_url"),
        revocation="ca",
        revoke_module="certfleet.pki.acmpca_certificate",
        crl_source="ca",
        # Its idempotency token then never matches the purchase it replaces.
        replaces_in_request="replaces",
    ),
    "kms": _provider(
        arrives=SIGNS,
        module="certfleet.pki.kms_certificate",
        required=("key_id", "ca_certificate"),
        optional=("ca_chain", "profile", "crl_distribution_points") + _AWS,
        module_options=("key_id", "region", "profile", "endpoint_url", "ca_certificate", "ca_chain",
                        "crl_distribution_points"),
        request_options=_SIGNED_REQUEST + ("certificate_profile",),
        certificate_profile_option="certificate_profile",  # its O(profile) is the AWS profile
        preflight="ca_certificate",
    ),
    "acm": _provider(
        arrives=DELIVERS,
        module="certfleet.pki.acm_private_certificate",
        required=("certificate_authority_arn",),
        optional=_AWS + ("tags",),
        module_options=("certificate_authority_arn", "region", "profile", "endpoint_url", "tags"),
        request_options=("requester", "domain_name", "subject_alternative_names", "key_algorithm"),
        preflight="source",
        current_in_request=("current_serial", "serial"),
    ),
    "secretsmanager": _provider(
        arrives=DELIVERS,
        module="certfleet.pki.secretsmanager_certificate",
        required=("secret_id",),
        optional=_AWS + ("version_stage", "certificate_field", "private_key_field", "chain_field"),
        module_options=("secret_id", "region", "profile", "endpoint_url", "version_stage", "certificate_field",
                        "private_key_field", "chain_field"),
        request_options=("requester", "subject_alt_names"),
        preflight="source",
        current_in_request=("current_version_id", "origin"),
    ),
}

# Issuer option -> option of the provider's modules.
MODULE_OPTION = {"aws_profile": "profile", "template": "template_arn"}
# What each revocation capability needs of an issuer's declaration, and what to tell an
# operator who asks more of it.
REVOCATION_NEEDS = {"ledger": "ledger", "ca": None}
# The modules that keep an issuance ledger (revocation "ledger"): read what a host's certificate
# versions are, and record their revocation.
LEDGER_INFO_MODULE = "certfleet.pki.certificate_ledger_info"
LEDGER_MODULE = "certfleet.pki.certificate_ledger"
PREFLIGHT_KINDS = ("module", "ca_certificate", "source")
CAPABILITIES = ("arrives", "module", "preflight", "revocation", "crl_source")


def provider(name):
    """The registry entry of provider ``name`` (KeyError when unknown)."""
    return PROVIDERS[name]


def delivered(name):
    return PROVIDERS[name]["arrives"] == DELIVERS


def capability(issuer, name):
    """What ``issuer`` (its declaration) does for capability ``name`` (``revocation`` or
    ``crl_source``): its provider's way, or None; an unknown provider has none."""
    entry = PROVIDERS.get((issuer or {}).get("provider")) if isinstance(issuer, dict) else None
    return entry and entry[name]


def missing_option(issuer, way):
    """The option ``issuer`` must declare for ``way`` (a ``ledger`` needs its location), or None."""
    needed = REVOCATION_NEEDS.get(way)
    return needed if needed and not issuer.get(needed) else None


def can_revoke(issuer):
    """(True, "") when ``issuer`` (its declaration) can revoke what it signed, else (False, why)."""
    way = capability(issuer, "revocation")
    if not way:
        return False, "only issuers that keep a CRL can revoke (%s)" % ", ".join(
            "%s%s" % (name, " with a ledger" if PROVIDERS[name]["revocation"] == "ledger" else "")
            for name in sorted(PROVIDERS) if PROVIDERS[name]["revocation"])
    needed = missing_option(issuer, way)
    if needed:
        return False, "it keeps no issuance ledger (set its %s option, see docs/revocation.md)" % needed
    return True, ""


def ledger_args(connection, issuer, **more):
    """The arguments of a ledger module for an issuer's ledger (its location, region and endpoint)."""
    args = dict(location=connection["ledger"], ca=issuer)
    for option, key in (("region", "ledger_region"), ("endpoint_url", "ledger_endpoint_url")):
        if connection.get(key) not in (None, ""):
            args[option] = connection[key]
    args.update(more)
    return args


def module_args(name, connection, secrets=None, option_names=None):
    """The arguments of provider ``name``'s module from a run's shared options and the issuer's
    secrets; ``option_names`` defaults to the issuing module's."""
    entry = PROVIDERS[name]
    names = entry["module_options"] if option_names is None else option_names
    args = dict((key, connection[key]) for key in names if connection.get(key) not in (None, ""))
    for key in entry["secret_options"]:
        if (secrets or {}).get(key) not in (None, ""):
            args[key] = secrets[key]
    return args
