# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The certificate role's plan: certfleet_issuers and certfleet_certificates checked and
completed with their defaults in one place, on the controller, before anything runs on a
host. Every value that reaches a path, a CSR or a CA is validated here, and every error
names the certificate (or issuer), the field and the value."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

# What loads cryptography (_renewal, _issuance_policy) is imported in the functions that call it:
# Ansible imports every filter file of the collection in each worker to find one filter by name,
# so this file's imports are paid by every task that uses any certfleet filter, on every host.
import re
import secrets

from ansible.errors import AnsibleFilterError
from ansible.module_utils.six import string_types

from ansible_collections.certfleet.pki.plugins.module_utils._declaration_defaults import (
    DEFAULT_KEY,
    DEFAULT_RENEW_BEFORE,
    DEFAULT_RENEWAL_JITTER,
    DEFAULT_VALIDITY_DAYS,
    EC_CURVES,
    MAX_VALIDITY_DAYS,
    RSA_SIZES,
)
from ansible_collections.certfleet.pki.plugins.module_utils._ledger_location import LedgerError, parse_location
from ansible_collections.certfleet.pki.plugins.module_utils._names import (
    DeclarationError,
    account_name,
    config_path,
    dns_name,
    environment_name,
    safe_name,
    subject_alt_name,
    whole_number,
)
from ansible_collections.certfleet.pki.plugins.module_utils._providers import (
    MODULE_OPTION,
    PROVIDERS as REGISTRY,
    can_revoke,
    delivered,
)
from ansible_collections.certfleet.pki.plugins.module_utils._store import (
    certificate_dir,
    certificate_paths,
    staged_key_path,
    staging_dir,
)
from ansible_collections.certfleet.pki.plugins.plugin_utils._redaction import redacted

FORMATS = ("pem", "pkcs12")
PROFILES = ("server", "client", "server_client")

CERTIFICATE_KEYS = {"name", "issuer", "common_name", "subject_alt_names", "key", "key_reuse", "renew_before",
                    "validity_days", "owner", "group", "formats", "pkcs12_passphrase", "consumers", "profile",
                    "fullchain_root"}
POLICY_KEYS = {"allowed_names", "allowed_profiles", "max_validity_days", "allow_wildcards"}
# Per provider (the registry, module_utils/_providers.py): (required options, optional options)
# besides provider, environment and the policy.
PROVIDERS = dict((name, (set(entry["required"]), set(entry["optional"]))) for name, entry in REGISTRY.items())
# The providers whose certificates come with their key from a source that decides when there
# is a new one (the key is generated there, not on the host): no CSR, installed by deliver.yml.
DELIVERED = tuple(name for name in REGISTRY if delivered(name))
# A declared key -> the key ACM generates for an ACM private certificate.
ACM_KEY_ALGORITHMS = {("ec", "secp256r1"): "EC_prime256v1", ("ec", "secp384r1"): "EC_secp384r1",
                      ("rsa", 2048): "RSA_2048", ("rsa", 3072): "RSA_3072", ("rsa", 4096): "RSA_4096"}
# The providers whose module takes the certificate profile per certificate, and its option there.
CERTIFICATE_PROFILE_OPTION = dict((name, entry["certificate_profile_option"]) for name, entry in REGISTRY.items()
                                  if entry["certificate_profile_option"])
REQUEST_OPTIONS = dict((name, set(entry["request_options"])) for name, entry in REGISTRY.items())
_CRL_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%/-]*)?\Z")
_ARN = re.compile(r"^arn:aws[a-z-]*:acm-pca:[a-z0-9-]+:[0-9]{12}:certificate-authority/[0-9a-fA-F-]+\Z")
# A Secrets Manager secret name (its documented characters) or ARN.
_SECRET_ID = re.compile(r"^(?:arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:)?[A-Za-z0-9/_+=.@-]{1,512}\Z")
# An ACM tag key (1-128) or value (0-256): letters, digits, spaces and _ . : / = + - @.
_TAG_TEXT = re.compile(r"^[\w .:/=+@-]*\Z")
# A KMS key ID, key ARN, alias name or alias ARN.
_KMS_KEY = re.compile(r"^(?:arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(?:key/[0-9a-zA-Z-]+|alias/[A-Za-z0-9/_-]+)"
                      r"|alias/[A-Za-z0-9/_-]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})\Z")
# Issuer options whose value must have a known form, whichever provider takes them.
_OPTION_FORMATS = {
    "certificate_authority_arn": (_ARN, "an ACM Private CA ARN"),
    "key_id": (_KMS_KEY, "a KMS key ID, key ARN, alias/<name> or alias ARN"),
    "secret_id": (_SECRET_ID, "a secret name (letters, digits, / _ + = . @ -) or ARN"),
}


def _fail(what, field, problem):
    raise AnsibleFilterError("%s: %s %s" % (what, field, problem))


def check_issuer(name, issuer):
    """The issuer's options, checked; the PIN and environment are not copied (secrets stay in
    the inventory variable, never in a fact that -v would print)."""
    what = "issuer %r" % (name,)
    safe_name_or_fail(name, what, "name")
    if not isinstance(issuer, dict):
        _fail(what, "definition", "must be a dict with provider and that provider's options")
    provider = issuer.get("provider")
    if provider not in PROVIDERS:
        _fail(what, "provider", "%r is not known (known: %s)" % (provider, ", ".join(sorted(PROVIDERS))))
    required, optional = PROVIDERS[provider]
    missing = sorted(option for option in required if not issuer.get(option))
    if missing:
        _fail(what, "options", "%s required by provider %s %s missing" % (", ".join(missing), provider,
                                                                          "is" if len(missing) == 1 else "are"))
    unknown = sorted(set(issuer) - required - optional - POLICY_KEYS - {"provider", "environment"})
    if unknown:
        _fail(what, "options", "%s unknown for provider %s (known: %s)"
              % (", ".join(unknown), provider, ", ".join(sorted(required | optional | POLICY_KEYS | {"environment"}))))
    for option, (pattern, expected) in _OPTION_FORMATS.items():
        if option in issuer and not pattern.match(str(issuer[option])):
            _fail(what, option, "%r is not %s" % (issuer[option], expected))
    _check_tags(what, issuer.get("tags"))
    _check_environment(what, issuer.get("environment"))
    if issuer.get("ledger"):
        try:
            parse_location(issuer["ledger"])
        except LedgerError as error:
            _fail(what, "ledger", str(error))
    for url in issuer.get("crl_distribution_points") or []:
        if not isinstance(url, string_types) or not _CRL_URL.fullmatch(url):
            _fail(what, "crl_distribution_points", "%r must be an http:// URL (RFC 5280: CRLs are fetched over HTTP)" % (url,))
    # The PIN stays out; so does a default certificate profile, which goes with each certificate.
    per_certificate = {"pin", "profile"} if provider in CERTIFICATE_PROFILE_OPTION else {"pin"}
    options = dict((MODULE_OPTION.get(key, key), issuer[key]) for key in (required | optional | POLICY_KEYS)
                   if key in issuer and key not in per_certificate and issuer[key] not in (None, ""))
    return provider, options


def _check_environment(what, environment):
    """Each name of the issuer's task environment: Ansible writes the names unquoted into the
    command line that runs the issuing module on the controller. Values are never shown."""
    if environment is None:
        return
    if not isinstance(environment, dict):
        _fail(what, "environment", "must be a dict of variable names and values")
    for name in environment:
        try:
            environment_name(name, "environment key")
        except DeclarationError as error:
            raise AnsibleFilterError("%s: %s; nothing ran" % (what, error))


def _check_tags(what, tags):
    """ACM tags: a dict of text keys (1-128) and values (0-256) in ACM's tag characters."""
    if tags is None:
        return
    if not isinstance(tags, dict):
        _fail(what, "tags", "%r must be a dict of tag names and values" % (tags,))
    for key, value in tags.items():
        key, value = str(key), "" if value is None else str(value)
        if not (0 < len(key) <= 128 and len(value) <= 256 and _TAG_TEXT.match(key) and _TAG_TEXT.match(value)):
            _fail(what, "tags", "%r: %r is not an ACM tag (letters, digits, spaces and _ . : / = + - @)" % (key, value))


def safe_name_or_fail(value, what, field):
    try:
        return safe_name(value, field)
    except DeclarationError as error:
        raise AnsibleFilterError("%s: %s" % (what, error))


def _key(declared, what):
    key = declared.get("key") or {}
    if not isinstance(key, dict) or key.get("type", "ec") not in ("ec", "rsa"):
        _fail(what, "key", "%r must be {type: ec, curve: ...} or {type: rsa, size: ...}" % (key,))
    planned = dict(DEFAULT_KEY, **key) if key.get("type", "ec") == "ec" else dict(key)
    if planned["type"] == "ec" and planned["curve"] not in EC_CURVES:
        _fail(what, "key.curve", "%r is not one of %s" % (planned["curve"], ", ".join(EC_CURVES)))
    if planned["type"] == "rsa":
        if planned.get("size") in (None, ""):
            _fail(what, "key.size", "is required for an RSA key: one of %s" % ", ".join(map(str, RSA_SIZES)))
        try:
            planned["size"] = int(planned["size"])
        except (TypeError, ValueError):
            planned["size"] = None
        if planned["size"] not in RSA_SIZES:
            _fail(what, "key.size", "%r is not one of %s" % (key.get("size"), ", ".join(map(str, RSA_SIZES))))
    unknown = sorted(set(planned) - {"type", "curve" if planned["type"] == "ec" else "size"})
    if unknown:
        _fail(what, "key", "has %s, which a %s key does not take" % (", ".join(unknown), planned["type"]))
    return planned


def _renewal(declared, what, validity_days, jitter):
    """(renew_before, its days or 0 for a share), refused when it would make every run renew:
    a window as long as the lifetime (with the fleet's jitter on top) leaves no moment when
    the certificate is not due."""
    renew_before = str(declared.get("renew_before", DEFAULT_RENEW_BEFORE))
    # Imported here, not with the file, as _issuance_policy below: it loads cryptography.
    from ansible_collections.certfleet.pki.plugins.module_utils._renewal import RenewBeforeError, parse_renew_before
    try:
        unit, amount = parse_renew_before(renew_before)
    except RenewBeforeError as error:
        _fail(what, "renew_before", str(error).replace("renew_before ", "", 1))
    share = amount / 100.0 if unit == "percent" else amount / float(validity_days)
    if share * (1 + jitter) >= 1:
        _fail(what, "renew_before", "%r with renewal jitter %s reaches back to the start of a %d-day certificate: "
              "it would be renewed on every run; shorten renew_before or lengthen validity_days"
              % (renew_before, jitter, validity_days))
    return renew_before, (amount * (1 + jitter) if unit == "days" else 0)


def _names(declared, what):
    try:
        common_name = dns_name(declared.get("common_name"), "common_name", wildcard=True)
        sans = declared.get("subject_alt_names") or []
        if isinstance(sans, string_types) or not isinstance(sans, list):
            _fail(what, "subject_alt_names", "must be a list such as [DNS:www.example.internal], not %r" % (sans,))
        normalised = [subject_alt_name(san, "subject_alt_names entry") for san in sans]
    except DeclarationError as error:
        raise AnsibleFilterError("%s: %s" % (what, error))
    # The common name is always a SAN too: clients ignore the common name.
    ordered = ["DNS:" + common_name]
    ordered += [san for san in normalised if san.lower() not in [o.lower() for o in ordered]]
    return declared["common_name"], ordered


def _int(declared, field, default, what, minimum, maximum):
    try:
        return whole_number(declared.get(field, default), field, minimum, maximum)
    except DeclarationError as error:
        raise AnsibleFilterError("%s: %s" % (what, error))


def _paths(name, run_id, certificates_dir, staging_root):
    """Every path of this certificate on the host, from the store's layout."""
    paths = certificate_paths(certificate_dir(name, certificates_dir))
    paths.update(staging_dir=staging_dir(name, staging_root), staged_key=staged_key_path(name, run_id, staging_root))
    return paths


def plan_certificate(declared, issuers, host, force_renew, revoking, jitter, run_id=None, certificates_dir=None,
                     staging_root=None):
    if not isinstance(declared, dict):
        raise AnsibleFilterError("certfleet_certificates: each entry must be a dict, got %r" % (redacted(declared),))
    name = safe_name_or_fail(declared.get("name"), "certificate %r" % (declared.get("name"),), "name")
    what = "certificate %r" % name
    unknown = sorted(set(declared) - CERTIFICATE_KEYS)
    if unknown:
        _fail(what, "fields", "%s unknown (known: %s)" % (", ".join(unknown), ", ".join(sorted(CERTIFICATE_KEYS))))
    issuer_name = declared.get("issuer")
    if issuer_name not in issuers:
        _fail(what, "issuer", "%r is not defined in certfleet_issuers (defined: %s)"
              % (issuer_name, ", ".join(sorted(issuers)) or "none"))
    provider, issuer_options = check_issuer(issuer_name, issuers[issuer_name])
    common_name, sans = _names(declared, what)
    validity_days = _int(declared, "validity_days", DEFAULT_VALIDITY_DAYS, what, 1, MAX_VALIDITY_DAYS)
    profile = declared.get("profile") or issuers[issuer_name].get("profile") or "server"
    if profile not in PROFILES:
        _fail(what, "profile", "%r is not one of %s" % (profile, ", ".join(PROFILES)))
    if provider == "acmpca" and "profile" in declared:
        _fail(what, "profile", "is set by the ACM PCA issuer's template, not per certificate")
    if provider in DELIVERED and "profile" in declared:
        _fail(what, "profile", "is set by the certificate's source (provider %s), not per certificate" % provider)
    from ansible_collections.certfleet.pki.plugins.module_utils._issuance_policy import PolicyError, check_allowed
    try:
        # An ACM PCA issuer's template decides the profile, and a source the lifetime: None is not compared.
        check_allowed(sans, profile if provider in CERTIFICATE_PROFILE_OPTION else None,
                      None if provider in DELIVERED else validity_days, issuer_options)
    except PolicyError as error:
        _fail(what, "for host %s:" % host, "%s; nothing was signed" % error)
    formats = declared.get("formats") or ["pem"]
    if not isinstance(formats, list) or not set(formats) <= set(FORMATS):
        _fail(what, "formats", "%r must be a list of %s" % (formats, ", ".join(FORMATS)))
    if "pkcs12" in formats and not declared.get("pkcs12_passphrase"):
        _fail(what, "pkcs12_passphrase", "is required by the pkcs12 format")
    consumers = declared.get("consumers") or []
    fullchain_root = declared.get("fullchain_root", False)
    if not isinstance(fullchain_root, bool):
        _fail(what, "fullchain_root", "%r must be true or false" % (fullchain_root,))
    owner, group = declared.get("owner"), declared.get("group")
    try:
        for consumer in consumers:
            safe_name(consumer, "consumers entry")
        owner = account_name(owner, "owner") if owner else None
        group = account_name(group, "group") if group else None
    except DeclarationError as error:
        raise AnsibleFilterError("%s: %s" % (what, error))
    key = _key(declared, what)
    renew_before, renew_before_days = _renewal(declared, what, validity_days, jitter)
    requester = "%s/%s" % (host, name)
    if provider in DELIVERED:
        issue = _delivery_options(provider, issuer_options, common_name, sans, key, requester, what)
    else:
        issue = dict(issuer_options, common_name=common_name, subject_alt_names=sans, validity_days=validity_days,
                     requester=requester, key=key)
    if provider in CERTIFICATE_PROFILE_OPTION:
        issue[CERTIFICATE_PROFILE_OPTION[provider]] = profile
    paths = _paths(name, run_id, certificates_dir, staging_root)
    return {
        "name": name, "issuer": issuer_name, "provider": provider, "common_name": common_name,
        "subject_alt_names": sans, "key": key, "profile": profile,
        # A revocation replaces a key that may be compromised: never reuse it.
        "key_reuse": bool(declared.get("key_reuse", False)) and name not in revoking,
        # The issuer's CA certificate must outlive this window, or a certificate clamped to it
        # would be due on every run (checked once per play, before any key is staged).
        "renew_before_days": renew_before_days,
        "validity_days": validity_days, "owner": owner, "group": group, "consumers": consumers, "formats": formats,
        "fullchain_root": fullchain_root, "issue": issue, "paths": paths,
        # The same options split for a batch: what each request carries, and what the
        # issuing module run shares (requests with equal connection options sign together).
        "request": dict((key, value) for key, value in issue.items() if key in REQUEST_OPTIONS[provider]),
        "connection": dict((key, value) for key, value in issue.items() if key not in REQUEST_OPTIONS[provider]),
        "status": {"name": name, "path": paths["dir"], "staging_dir": paths["staging_dir"], "common_name": common_name, "subject_alt_names": sans, "key": key,
                   "renew_before": renew_before, "ca_certificate": issuer_options.get("ca_certificate"),
                   "force": name in force_renew, "source_decides": provider in DELIVERED,
                   # Judged where certfleet decides them: an ACM PCA template sets the profile, and
                   # moto, which the tests stand on, ignores the validity ACM PCA is asked for.
                   **({"profile": profile, "validity_days": validity_days} if provider in CERTIFICATE_PROFILE_OPTION
                      else {})},
    }


def _delivery_options(provider, issuer_options, common_name, sans, key, requester, what):
    """The delivering module's options for one certificate: the names it must carry, and for
    ACM the key ACM is to generate."""
    policy = dict((key_name, value) for key_name, value in issuer_options.items() if key_name not in POLICY_KEYS)
    if provider == "secretsmanager":
        return dict(policy, subject_alt_names=sans, requester=requester)
    non_dns = [san for san in sans if not san.startswith("DNS:")]
    if non_dns:
        _fail(what, "subject_alt_names", "%s: ACM private certificates carry DNS names only" % ", ".join(non_dns))
    algorithm = ACM_KEY_ALGORITHMS.get((key["type"], key.get("curve", key.get("size"))))
    if algorithm is None:
        _fail(what, "key", "%r: ACM generates EC secp256r1/secp384r1 or RSA 2048/3072/4096 keys" % (key,))
    return dict(policy, domain_name=common_name, subject_alternative_names=[san[4:] for san in sans],
                key_algorithm=algorithm, requester=requester)


def _name_list(value):
    """A list of names, or one comma/space separated string (AWX surveys, SSM parameters)."""
    if value is None:
        return []
    if isinstance(value, string_types):
        return re.findall(r"[^,\s]+", value)
    return list(value)


def _directory(value, field):
    try:
        return config_path(value, field) if value else None
    except DeclarationError as error:
        raise AnsibleFilterError(str(error))


def certificate_plan(certificates, issuers, host, force_renew=None, revoking=None, jitter=None, certificates_dir=None,
                     staging_dir=None, run_id=None):
    """Every declared certificate of ``host``, checked and completed (see the role's argument spec).
    ``run_id`` names the keys this run stages; a new one is drawn when not given."""
    if not isinstance(certificates, list):
        raise AnsibleFilterError("certfleet_certificates must be a list, got %r" % (redacted(certificates),))
    if not isinstance(issuers, dict):
        raise AnsibleFilterError("certfleet_issuers must be a dict of issuer name -> options, got %r" % (redacted(issuers),))
    try:
        jitter = DEFAULT_RENEWAL_JITTER if jitter is None else float(jitter)
    except (TypeError, ValueError):
        jitter = -1
    if not 0 <= jitter < 1:
        raise AnsibleFilterError("certfleet_renewal_jitter %r must be at least 0 and below 1 (a share of the "
                                 "renewal window)" % (jitter,))
    force_renew, revoking = _name_list(force_renew), _name_list(revoking)
    certificates_dir = _directory(certificates_dir, "certfleet_certificates_dir")
    staging_dir = _directory(staging_dir, "certfleet_staging_dir")
    run_id = safe_name_or_fail(run_id or secrets.token_hex(6), "the plan", "run_id")
    planned = [plan_certificate(declared, issuers, host, force_renew, revoking, jitter, run_id, certificates_dir,
                                staging_dir) for declared in certificates]
    names = [entry["name"] for entry in planned]
    repeated = sorted(set(name for name in names if names.count(name) > 1))
    if repeated:
        raise AnsibleFilterError("certfleet_certificates: names must be unique on a host; repeated: %s"
                                 % ", ".join(repeated))
    return planned


def issuer_environment(issuers, name):
    """The task environment of issuer ``name`` (an empty dict when it sets none), its names
    checked first: every task that runs an issuer takes it through here."""
    issuer = issuers.get(name) if isinstance(issuers, dict) else None
    if not isinstance(issuer, dict):
        raise AnsibleFilterError("issuer %r is not defined in certfleet_issuers" % (name,))
    _check_environment("issuer %r" % (name,), issuer.get("environment"))
    return dict(issuer.get("environment") or {})


def revocation_problem(issuers, name):
    """Why issuer ``name`` cannot revoke what it signed (the provider registry's capability and
    what it needs of the declaration), or an empty string when it can."""
    issuer = issuers.get(name) if isinstance(issuers, dict) else None
    able, why = can_revoke(issuer if isinstance(issuer, dict) else {})
    return "" if able else why + "."


class FilterModule(object):
    def filters(self):
        return {"certificate_plan": certificate_plan, "name_list": _name_list, "issuer_environment": issuer_environment,
                "revocation_problem": revocation_problem}
