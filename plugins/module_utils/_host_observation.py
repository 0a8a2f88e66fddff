# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One read of everything the roles check on a host: its trust store and bundles, its
certificates, its TLS servers (sites file, modules, what each endpoint serves) and its CRL
files. Each part is the check-mode answer of the module that would write it, computed by the
same function, so that a role can skip its writing module where the observation finds nothing
to change."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.basic import FILE_COMMON_ARGUMENTS
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.certfleet.pki.plugins.module_utils._certificate_status import STATUS_OPTIONS, certificate_status
from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError
from ansible_collections.certfleet.pki.plugins.module_utils._files import read_text, text_digest
from ansible_collections.certfleet.pki.plugins.module_utils._tls_server_config import (
    TLS_SERVER_CONFIG_OPTIONS, configure_tls_server,
)
from ansible_collections.certfleet.pki.plugins.module_utils._trust_store import TRUST_STORE_OPTIONS, reconcile_trust_store

CRL_FILES_OPTIONS = dict(
    FILE_COMMON_ARGUMENTS,
    paths=dict(type="list", elements="path", required=True),
)

# Each part: the options of the module that writes it, and the function both run.
PARTS = dict(
    trust=(TRUST_STORE_OPTIONS, reconcile_trust_store),
    certificates=(STATUS_OPTIONS, certificate_status),
    server=(dict(TLS_SERVER_CONFIG_OPTIONS, **FILE_COMMON_ARGUMENTS), configure_tls_server),
)


def part_params(name, options, value):
    """``value`` checked against ``options`` and completed with their defaults, as the writing
    module would take it; a CertfleetError names the part and what is wrong."""
    result = ArgumentSpecValidator(options).validate(value)
    if result.error_messages:
        raise CertfleetError("%s: %s" % (name, "; ".join(result.error_messages)))
    return result.validated_parameters


def crl_file_state(module, params):
    """Each CRL file's SHA-256 (None when missing), and whether its owner, group or mode differ
    from ``params``: the controller compares the digest with the CRL it holds, so no CRL is sent
    to a host that already has it."""
    states = []
    for path in params["paths"]:
        content = read_text(path)
        attributes_changed = False
        if content is not None:
            file_args = module.load_file_common_arguments(params, path=path)
            attributes_changed = module.set_fs_attributes_if_different(file_args, False)
        states.append(dict(path=path, attributes_changed=attributes_changed,
                           sha256=text_digest(content) if content is not None else None))
    return states


def observe(module):
    """The observation of every part given in the module's parameters (None for a part not
    given). Every part's function runs as in check mode, whatever the play's mode, and shows no
    diff: nothing is written."""
    module.check_mode = True
    module._diff = False  # pylint: disable=protected-access
    params = module.params
    observation = dict(changed=False, trust=None, certificates=None, servers=[], crls=[])
    for name in ("trust", "certificates"):
        if params[name] is not None:
            options, function = PARTS[name]
            observation[name] = function(module, part_params(name, options, params[name]))
    options, function = PARTS["server"]
    for index, server in enumerate(params["servers"]):
        checked = part_params("servers[%d]" % index, options, server)
        observation["servers"].append(dict(function(module, checked), server=checked["server"]))
    if params["crls"] is not None:
        observation["crls"] = crl_file_state(module, part_params("crls", CRL_FILES_OPTIONS, params["crls"]))
    return observation
