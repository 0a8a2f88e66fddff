# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the roles read from a host's observation (certfleet.pki.host_observation, taken by
playbooks/tasks/observe.yml before the roles): a part, while it still describes the host, and
the CRLs the host lacks."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

# Only this light import: every task that reads the observation loads this file in each
# worker, so what it imports is paid once per host and task.
from ansible_collections.certfleet.pki.plugins.module_utils._files import text_digest

LIST_PARTS = ("servers", "crls")


def observed_part(observation, part, earlier=None):
    """The observation's ``part``, or an empty one (nothing observed: the role runs its own
    module) when there is no usable observation or when one of the ``earlier`` results of this
    run changed the host: the observation was taken before them."""
    empty = [] if part in LIST_PARTS else {}
    if not isinstance(observation, dict) or observation.get("failed") or observation.get("skipped"):
        return empty
    if any(isinstance(result, dict) and result.get("changed") for result in earlier or []):
        return empty
    value = observation.get(part)
    # A part of another shape (a host's answer is data, never trusted) is not read: the role
    # runs its own module, whose answer is checked as always.
    if not isinstance(value, type(empty)) or (part in LIST_PARTS and not all(isinstance(entry, dict) for entry in value)):
        return empty
    return value


def crl_changes(installs, observed_crls):
    """The crl_files entries whose file the observation found different (content, owner, group
    or mode); every entry when the CRL files were not observed."""
    if not observed_crls:
        return list(installs)
    observed = dict((entry["path"], entry) for entry in observed_crls)
    return [install for install in installs
            if install["path"] not in observed
            or observed[install["path"]]["attributes_changed"]
            or observed[install["path"]]["sha256"] != text_digest(install["content"])]


class FilterModule(object):
    def filters(self):
        return {"observed_part": observed_part, "crl_changes": crl_changes}
