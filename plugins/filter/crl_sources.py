# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The crl role's decisions, from the provider registry: which issuers keep a CRL and where it
comes from (signed from the issuer's ledger, or fetched from its CA), and which CRL each host
installs."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.certfleet.pki.plugins.module_utils._names import DeclarationError, config_path, safe_name
from ansible_collections.certfleet.pki.plugins.module_utils._providers import capability, missing_option


def crl_issuers(issuers, source):
    """The names of the issuers whose CRL comes from ``source`` (``ledger``: signed from the
    issuer's ledger on its key; ``ca``: fetched from its CA)."""
    return sorted(name for name, issuer in (issuers or {}).items() if capability(issuer, "crl_source") == source)


def crl_problem(issuers, name):
    """Why ``name`` has no CRL to install, or an empty string."""
    if name not in (issuers or {}):
        return "is not defined in certfleet_issuers"
    source = capability(issuers[name], "crl_source")
    if not source:
        return "keeps no CRL (provider %s); see docs/revocation.md" % issuers[name].get("provider")
    needed = missing_option(issuers[name], source)
    if needed:
        return "is an HSM-backed issuer without a %s, so it has no CRL (see docs/revocation.md)" % needed
    return ""


def _crls(results, key):
    return [(key(result), result["crl"]) for result in results or [] if isinstance(result, dict) and result.get("crl")]


def crl_paths(names, directory):
    """Where each of this host's CRL issuers' CRL is installed: ``<directory>/<issuer>.pem``, both
    parts checked before they become a path."""
    try:
        directory = config_path(directory, "certfleet_crl_dir").rstrip("/")
        return [dict(issuer=name, path="%s/%s.pem" % (directory, safe_name(name, "certfleet_crl_issuers entry")))
                for name in names or []]
    except DeclarationError as error:
        raise AnsibleFilterError(str(error))


def crl_installs(names, directory, ledgers, signed, fetched):
    """crl_files' entries for this host's CRL issuers: for each, the CRL signed in this run, else
    its ledger's, else the one fetched from its CA; issuers without one are left out."""
    current = dict(_crls(ledgers, lambda result: result["item"]))
    current.update(_crls(signed, lambda result: result["item"]["item"]))
    current.update(_crls(fetched, lambda result: result["item"]))
    return [dict(path=entry["path"], content=current[entry["issuer"]])
            for entry in crl_paths(names, directory) if entry["issuer"] in current]


class FilterModule(object):
    def filters(self):
        return {"crl_issuers": crl_issuers, "crl_problem": crl_problem, "crl_installs": crl_installs, "crl_paths": crl_paths}
