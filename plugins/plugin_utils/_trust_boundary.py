# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller never takes a declaration from a managed host. Any module result may carry
``ansible_facts``, and while INJECT_FACTS_AS_VARS is on (Ansible's default before 2.24) Ansible
applies those facts as variables above the inventory's group_vars and host_vars: a host with
root could replace the issuers, certificates or revocation targets the controller acts on.
The collection's variables belong to the operator alone; a host whose facts carry one is
refused (docs/security.md)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

COLLECTION_PREFIXES = ("certfleet_", "__certfleet_")


def injected_variables(facts):
    """The names in a host's facts that only the operator may declare, sorted."""
    if not isinstance(facts, dict):
        return []
    return sorted(str(name) for name in facts if str(name).startswith(COLLECTION_PREFIXES))


def refusal(host, names):
    """Why ``host`` is refused, or None when its facts carry none of the collection's variables."""
    if not names:
        return None
    return ("%s: refused: its facts carry %s, which only the operator declares (a module result or fact gathering "
            "on this host set them: treat the host as compromised). Nothing was signed, revoked or read for it; "
            "after rebuilding it, clear any fact cache (--flush-cache)" % (host, ", ".join(names)))
