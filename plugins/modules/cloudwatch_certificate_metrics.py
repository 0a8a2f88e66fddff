#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: cloudwatch_certificate_metrics
short_description: Push the fleet report's figures to CloudWatch
version_added: 0.2.0
description:
  - Sends the figures of a fleet report (the C(certfleet.pki.fleet_report) filter's result, as the
    C(certfleet.pki.report) role builds it) to CloudWatch with C(PutMetricData), up to 1000 figures
    a call, so that CloudWatch alarms can fire before anything expires.
  - C(DaysToExpiry) (dimensions C(Host), C(Certificate), C(Issuer)) for every installed certificate;
    C(ServedMatches) and C(ChainVerifies) (C(Host), C(Site)), 1 or 0, for every TLS site;
    C(AttentionItems) for the fleet, the number of items that need attention.
  - Sending records observations and changes no managed state, so the module reports no change.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
options:
  namespace:
    description: CloudWatch namespace of the metrics.
    type: str
    required: true
  report:
    description: The fleet report.
    type: dict
    required: true
attributes:
  check_mode:
    support: full
    description: Says what would be sent; sends nothing.
  diff_mode:
    support: none
    description: Changes no file.
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: Fleet figures to CloudWatch
  certfleet.pki.cloudwatch_certificate_metrics:
    namespace: Certfleet
    report: "{{ certfleet_fleet_report }}"
    region: eu-west-1
  delegate_to: localhost
  run_once: true
'''

RETURN = r'''
metrics:
  description: How many figures were sent (in check mode, would be).
  returned: always
  type: int
calls:
  description: How many PutMetricData calls were made (none in check mode).
  returned: always
  type: int
'''

import datetime

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.certfleet.pki.plugins.module_utils._aws_api import api_call, fail
from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError, run_and_exit

# PutMetricData takes at most 1000 figures a call.
BATCH = 1000


def _datum(name, value, timestamp, unit="None", **dimensions):
    return dict(MetricName=name, Value=float(value), Unit=unit, Timestamp=timestamp,
                Dimensions=[dict(Name=key, Value=str(dimensions[key])) for key in sorted(dimensions)])


def datums(report):
    """Every figure of the report, as PutMetricData datums."""
    timestamp = datetime.datetime.fromisoformat(report["generated_at"])
    figures = [_datum("AttentionItems", len(report["attention"]), timestamp, "Count")]
    for host in report["hosts"]:
        for certificate in host["certificates"]:
            if certificate.get("not_after"):
                left = (datetime.datetime.fromisoformat(certificate["not_after"]) - timestamp).total_seconds() / 86400
                figures.append(_datum("DaysToExpiry", round(left, 3), timestamp, Host=host["name"],
                                      Certificate=certificate["name"], Issuer=certificate["issuer_name"]))
        for site in host["sites"]:
            figures.append(_datum("ServedMatches", int(site["serving"]), timestamp, Host=host["name"], Site=site["name"]))
            figures.append(_datum("ChainVerifies", int(bool(site["chain_verifies"])), timestamp,
                                  Host=host["name"], Site=site["name"]))
    return figures


def push(module):
    missing = sorted(set(("generated_at", "hosts", "attention")) - set(module.params["report"]))
    if missing:
        raise CertfleetError("report is not a fleet report (the certfleet.pki.fleet_report action's report): "
                             "it has no %s" % ", ".join(missing))
    figures = datums(module.params["report"])
    if module.check_mode:
        return dict(changed=False, metrics=len(figures), calls=0)
    client = module.client("cloudwatch", retry_decorator=AWSRetry.jittered_backoff())
    calls = 0
    for start in range(0, len(figures), BATCH):
        api_call(client, "put_metric_data", "send certificate metrics to CloudWatch",
                 Namespace=module.params["namespace"], MetricData=figures[start:start + BATCH])
        calls += 1
    return dict(changed=False, metrics=len(figures), calls=calls)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(namespace=dict(type="str", required=True), report=dict(type="dict", required=True)),
        supports_check_mode=True,
    )
    run_and_exit(module, push, report=fail)


if __name__ == "__main__":
    main()
