# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report role's filters: what certificate_report takes on each host, built from the
declarations the certificate, web_tls and trust_store roles already check."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError


# What certificate_report takes of a planned certificate's status entry.
REPORTED_STATUS_FIELDS = ("name", "path", "common_name", "subject_alt_names", "key", "renew_before", "ca_certificate",
                          "source_decides", "profile", "validity_days")


def report_certificates(planned):
    """certificate_report's certificates from the certificate_plan filter's result."""
    return [dict(dict((field, entry["status"][field]) for field in REPORTED_STATUS_FIELDS if field in entry["status"]),
                 issuer=entry["issuer"])
            for entry in planned]


def report_sites(sites, server):
    """certificate_report's sites from the tls_sites filter's result for one server."""
    if server not in ("nginx", "apache"):
        raise AnsibleFilterError("report_sites: server must be nginx or apache, not %r" % (server,))
    return [dict(name=site["name"], server=server, certificate=site["certificate"],
                 certificate_dir=site["endpoint"]["certificate_dir"], address=site["endpoint"]["address"],
                 port=site["endpoint"]["port"], server_name=site["endpoint"]["server_name"],
                 ca_file=site["endpoint"]["ca_file"]) for site in sites]


def report_trust(entries, key):
    """The ``key`` (name or path) of each trust_store anchor group or bundle that is present."""
    return [entry[key] for entry in entries if entry.get("state", "present") != "absent"]


class FilterModule(object):
    def filters(self):
        return {
            "report_certificates": report_certificates,
            "report_sites": report_sites,
            "report_trust": report_trust,
        }
