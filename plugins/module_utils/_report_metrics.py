# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A host's report as Prometheus metrics, in the text format node_exporter's textfile
collector reads. Only figures that change when the certificates change: no scrape or run
time, so the file is rewritten only when something happened."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

# name, help; every metric is a gauge.
METRICS = (
    ("certfleet_certificate_not_after_seconds", "Expiry of the installed certificate, Unix time."),
    ("certfleet_certificate_renew_at_seconds", "When the certificate becomes due for renewal, Unix time."),
    ("certfleet_certificate_present", "1 when the declared certificate is installed with its key."),
    ("certfleet_certificate_served_matches", "1 when the TLS site serves the installed certificate."),
    ("certfleet_certificate_chain_verifies", "1 when the served chain verifies for the site's name."),
    ("certfleet_trust_anchor_not_after_seconds", "Expiry of a CA in a certfleet trust anchor or bundle, Unix time."),
)


def _escape(value):
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(**labels):
    return "{%s}" % ",".join('%s="%s"' % (key, _escape(value)) for key, value in sorted(labels.items()))


def _seconds(iso):
    return int(datetime.datetime.fromisoformat(iso).timestamp())


def samples(report):
    """(metric, labels text, value) for every figure of a host report."""
    for certificate in report["certificates"]:
        labels = dict(name=certificate["name"], issuer=certificate["issuer_name"])
        yield "certfleet_certificate_present", _labels(**labels), int(bool(certificate["present"] and certificate["key_matches"]))
        if certificate.get("not_after"):
            yield ("certfleet_certificate_not_after_seconds", _labels(serial=certificate["serial"], **labels),
                   _seconds(certificate["not_after"]))
        if certificate.get("renew_at"):
            yield "certfleet_certificate_renew_at_seconds", _labels(**labels), _seconds(certificate["renew_at"])
    for site in report["sites"]:
        labels = _labels(site=site["name"], certificate=site["certificate"], server=site["server"])
        yield "certfleet_certificate_served_matches", labels, int(site["serving"])
        yield "certfleet_certificate_chain_verifies", labels, int(bool(site["chain_verifies"]))
    for ca in report["trust"]:
        if not ca.get("error"):
            yield ("certfleet_trust_anchor_not_after_seconds",
                   _labels(path=ca["path"], subject=ca["subject"], fingerprint_sha256=ca["fingerprint_sha256"]),
                   _seconds(ca["not_after"]))


def textfile(report):
    """The report's metrics in the Prometheus text exposition format."""
    by_metric = {}
    for metric, labels, value in samples(report):
        by_metric.setdefault(metric, []).append("%s%s %d\n" % (metric, labels, value))
    lines = []
    for metric, help_text in METRICS:
        if metric in by_metric:
            lines += ["# HELP %s %s\n" % (metric, help_text), "# TYPE %s gauge\n" % metric] + by_metric[metric]
    return "".join(lines)
