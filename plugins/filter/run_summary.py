# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One line per host saying what a site.yml or rotate.yml run did: certificates issued,
renewed or delivered, what was rolled back, and which hosts failed."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


def _names(items):
    return ", ".join(items)


def _readable_status(status):
    """(certificates by name, due names) of a certificate_status result, or None when it does not
    have that shape: a host's result is its own word, and one host's must not break the summary."""
    certificates, due = status.get("certificates", []), status.get("due", [])
    if not (isinstance(certificates, list) and isinstance(due, list) and all(isinstance(name, str) for name in due)
            and all(isinstance(entry, dict) and isinstance(entry.get("name"), str) for entry in certificates)):
        return None
    return dict((entry["name"], entry) for entry in certificates), due


def host_summary(variables, active, check_mode=False):
    """The summary line of one host, from the facts the certificate and safe_reload roles left."""
    status = variables.get("__certfleet_status") or {}
    readable = _readable_status(status) if isinstance(status, dict) else None
    if readable is None:
        return "FAILED: its certificate_status result was refused (see the task output above)"
    entries, due = readable
    issued = [name for name in due if not entries.get(name, {}).get("present")]
    renewed = [name for name in due if entries.get(name, {}).get("present")]
    delivered = sorted(name for name, result in (variables.get("__certfleet_delivered") or {}).items()
                       if result.get("changed"))
    rollback = variables.get("__certfleet_reload_rollback") or {}
    rolled_back = [str(result.get("item")) for result in rollback.get("results", []) if "version" in result]
    verb = "would be " if check_mode else ""
    parts = []
    for label, names in (("issued", issued), ("renewed", renewed), ("delivered", delivered)):
        if names:
            parts.append("%s%s %s" % (verb, label, _names(names)))
    if rolled_back:
        parts.append("rolled back %s" % _names(rolled_back))
    if not active:
        failure = variables.get("__certfleet_reload_failure")
        parts.append("FAILED%s" % (": %s" % " ".join(str(failure).split()) if failure else " (see the task output above)"))
    return ("; ".join(parts) or "nothing to do") if status or not active else "not run"


def run_summary(hostvars, hosts, active_hosts, check_mode=False):
    """``host: summary`` for each of ``hosts``; those not in ``active_hosts`` failed or were unreachable."""
    return ["%s: %s" % (host, host_summary(hostvars[host] if host in hostvars else {}, host in active_hosts, check_mode))
            for host in hosts]


class FilterModule(object):
    def filters(self):
        return {"run_summary": run_summary}
