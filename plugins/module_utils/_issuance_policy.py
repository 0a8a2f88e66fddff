# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The issuer never trusts the host that sent a CSR: what a certificate may say comes from
the declaration and the issuer's policy. Both issuing modules call check_request before
any signature or API call; the options are those of the issuance_policy doc fragment."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

try:
    from cryptography import x509
    from cryptography.x509.oid import NameOID
except ImportError:
    pass  # the modules report the missing library with missing_required_lib

from ansible_collections.certfleet.pki.plugins.module_utils._declaration_defaults import (
    KeyDeclarationError,
    MAX_VALIDITY_DAYS,
    key_description as declared_key_description,
)
from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError
from ansible_collections.certfleet.pki.plugins.module_utils._names import name_matches
from ansible_collections.certfleet.pki.plugins.module_utils._signers import key_description
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import (
    format_general_name,
    parse_general_name,
    subject_alt_names_of,
)


class PolicyError(CertfleetError):
    pass


def issuance_policy_argument_spec():
    """The options of the issuance_policy doc fragment."""
    return dict(
        common_name=dict(type="str"),
        subject_alt_names=dict(type="list", elements="str"),
        allowed_names=dict(type="list", elements="str"),
        allowed_profiles=dict(type="list", elements="str"),
        max_validity_days=dict(type="int"),
        allow_wildcards=dict(type="bool", default=False),
        requester=dict(type="str"),
        # The declared key (a key type, not a key): the CSR's key must be of this kind.
        key=dict(type="dict", no_log=False, options=dict(
            type=dict(type="str", choices=["ec", "rsa"], default="ec"),
            curve=dict(type="str"),
            size=dict(type="int"),
        )),
    )


def _common_names(subject):
    return [attribute.value for attribute in subject.get_attributes_for_oid(NameOID.COMMON_NAME)]


def _by_comparison_key(general_names):
    """{case-folded name: name as written}: DNS names compare without regard to case."""
    return dict((format_general_name(name).lower(), format_general_name(name)) for name in general_names)


def check_csr_names(csr, common_name, subject_alt_names, what="the CSR"):
    """The CSR (or a certificate, named by ``what``) must name exactly the declared names: a
    host cannot add one."""
    if common_name is not None and _common_names(csr.subject) != [common_name]:
        raise PolicyError("%s asks for common name %s, the declaration says %r"
                          % (what, ", ".join(repr(cn) for cn in _common_names(csr.subject)) or "(none)", common_name))
    if subject_alt_names is None:
        return
    asked = _by_comparison_key(subject_alt_names_of(csr))
    declared = _by_comparison_key(parse_general_name(name) for name in subject_alt_names)
    extra = sorted(asked[key] for key in asked if key not in declared)
    if extra:
        raise PolicyError("%s asks for %s, which the declaration does not name" % (what, ", ".join(extra)))
    missing = sorted(declared[key] for key in declared if key not in asked)
    if missing:
        raise PolicyError("%s lacks the declared %s" % (what, ", ".join(missing)))


# PKCS#9 extensionRequest: the CSR attribute that carries the requested extensions.
_EXTENSION_REQUEST = "1.2.840.113549.1.9.14"


def _oid_name(oid):
    return getattr(oid, "_name", None) or oid.dotted_string


def check_csr_contents(csr, common_name):
    """With a declared common name, the CSR may carry nothing else: a subject of that name
    alone, the subject alternative names as its only requested extension, no other attribute.
    A CA that copies a CSR's subject or extensions (ACM PCA's end-entity templates do) then
    signs only what was declared; every issuer refuses the same CSRs."""
    if common_name is None:
        return
    extra = [attribute.rfc4514_string() for attribute in csr.subject if attribute.oid != NameOID.COMMON_NAME]
    extra += ["extension %s" % _oid_name(extension.oid) for extension in csr.extensions
              if not isinstance(extension.value, x509.SubjectAlternativeName)]
    extra += ["attribute %s" % _oid_name(attribute.oid) for attribute in csr.attributes
              if attribute.oid.dotted_string != _EXTENSION_REQUEST]
    if extra:
        raise PolicyError("the CSR carries %s, which the declaration does not name" % ", ".join(extra))


def check_csr_key(csr, declared):
    """The CSR's key is the declared kind (curve, or RSA size): a host cannot have a weaker key
    signed than its declaration asks for. Exact, as certificate_status judges it: any other
    key would be renewed again on every run."""
    if not declared:
        return
    try:
        wanted = declared_key_description(dict((k, v) for k, v in declared.items() if v is not None))
    except KeyDeclarationError as error:
        raise PolicyError(str(error))
    asked = key_description(csr.public_key())
    if asked != wanted:
        raise PolicyError("the CSR's key is %s, the declaration says %s" % (asked, wanted))


def check_lifetime(validity_days):
    """No issuer signs less than a day or more than MAX_VALIDITY_DAYS (nor computes a date from
    such a number: a host's 3000000 would overflow it)."""
    if not 1 <= validity_days <= MAX_VALIDITY_DAYS:
        raise PolicyError("a %d-day certificate is outside 1 to %d days" % (validity_days, MAX_VALIDITY_DAYS))


def check_allowed(names, profile, validity_days, params):
    """Issuer policy: every name matches an allowed pattern, the profile (None: decided
    elsewhere, not compared) and the lifetime are allowed."""
    patterns = params.get("allowed_names")
    if patterns is not None:
        for name in names:
            if name.startswith("DNS:*"):  # a pattern allows names below it, never the wildcard itself
                if not (params.get("allow_wildcards") and name[4:].lower() in [p.lower() for p in patterns]):
                    raise PolicyError("%s is a wildcard: the issuer signs one only with allow_wildcards: true and the "
                                      "name itself in allowed_names (allowed_names: %s)" % (name, ", ".join(patterns)))
            elif not any(name_matches(name, pattern) for pattern in patterns):
                raise PolicyError("%s is not allowed by the issuer (allowed_names: %s)" % (name, ", ".join(patterns)))
    allowed_profiles = params.get("allowed_profiles")
    if allowed_profiles is not None and profile is not None and profile not in allowed_profiles:
        raise PolicyError("profile %s is not allowed by the issuer (allowed_profiles: %s)"
                          % (profile, ", ".join(allowed_profiles)))
    if validity_days is not None:
        check_lifetime(validity_days)
    maximum = params.get("max_validity_days")
    if maximum is not None and validity_days is not None and validity_days > maximum:
        raise PolicyError("a %d-day certificate exceeds the issuer's max_validity_days of %d" % (validity_days, maximum))


def check_request(csr, profile, validity_days, params):
    """Refuse, before anything is signed or bought, a request the declaration or the issuer
    policy does not allow. The message starts with O(requester) when given."""
    try:
        check_csr_names(csr, params.get("common_name"), params.get("subject_alt_names"))
        check_csr_contents(csr, params.get("common_name"))
        check_csr_key(csr, params.get("key"))
        general_names = (parse_general_name(n) for n in params["subject_alt_names"]) \
            if params.get("subject_alt_names") is not None else subject_alt_names_of(csr)
        names = ["DNS:" + cn for cn in ([params["common_name"]] if params.get("common_name") is not None
                                        else _common_names(csr.subject))]
        names += [format_general_name(name) for name in general_names]
        check_allowed(names, profile, validity_days, params)
    except PolicyError as error:
        prefix = "%s: " % params["requester"] if params.get("requester") else ""
        raise PolicyError("%s%s; nothing was signed" % (prefix, error))
