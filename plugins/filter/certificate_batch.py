# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The certificate role's batch filters: the runs each issuer makes for the batch of hosts, what
each host asks for, and what it installs. The logic and its tests: plugin_utils/_batch.py,
tests/unit/plugins/plugin_utils/test_batch.py."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.certfleet.pki.plugins.plugin_utils import _batch

# The facts the role records for each host: its plan, its status and its signing requests.
# Nothing else of a host is read for the batch (never its declaration again, never its facts).
_RECORDS = (("planned", "__certfleet_planned"), ("status", "__certfleet_status"), ("requests", "__certfleet_requests"))


def _record(variables, name):
    try:
        return variables[name]
    except KeyError:
        return None


def _batch_of(hosts, hostvars):
    """One entry per host: its name and the controller's records of it."""
    batch = []
    for host in hosts:
        variables = hostvars[host]
        batch.append(dict([("host", host)] + [(field, _record(variables, name)) for field, name in _RECORDS]))
    return batch


def signing_runs(hosts, hostvars):
    return _batch.signing_runs(_batch_of(hosts, hostvars))


def delivery_runs(hosts, hostvars):
    return _batch.delivery_runs(_batch_of(hosts, hostvars))


def check_runs(hosts, hostvars):
    return _batch.check_runs(_batch_of(hosts, hostvars))


class FilterModule(object):
    def filters(self):
        return {
            "signing_runs": signing_runs,
            "delivery_runs": delivery_runs,
            "check_runs": check_runs,
            "certificate_wanted": _batch.wanted,
            "unsigned_certificates": _batch.unsigned,
            "signed_installs": _batch.signed_installs,
            "delivered_installs": _batch.delivered_installs,
            "revocation_runs": _batch.revocation_runs,
        }
