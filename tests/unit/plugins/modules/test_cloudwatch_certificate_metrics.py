"""cloudwatch_certificate_metrics against moto's CloudWatch: every figure sent, in calls of at
most 1000 figures, none in check mode."""

import datetime

import boto3
import pytest
from moto import mock_aws

from ansible_collections.certfleet.pki.plugins.modules import cloudwatch_certificate_metrics
from ansible_collections.certfleet.pki.plugins.plugin_utils._fleet_report import fleet_report

NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def report(hosts):
    def certificate(index):
        return dict(name="web", issuer_name="hsm", present=True, key_matches=True, serial="%x" % index, expired=False,
                    not_after=(NOW + datetime.timedelta(days=10 + index)).isoformat(), in_renewal_window=False,
                    weak_key=None, sans_match=True, cas_expiring_first=[], reasons=[], subject_alt_names=["DNS:a"],
                    declared_subject_alt_names=["DNS:a"], source_decides=False)
    site = dict(name="www", server="nginx", certificate="web", address="127.0.0.1", port=443, server_name="a",
                installed=dict(serial="1"), served=dict(serial="1"), serving=True, chain_verifies=True, error=None)
    return fleet_report([("host-%04d" % index, dict(certificates=[certificate(index)], sites=[site], trust=[],
                                                    generated_at=NOW.isoformat())) for index in range(hosts)], now=NOW)


@pytest.fixture
def cloudwatch(monkeypatch):
    for variable, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"), ("AWS_DEFAULT_REGION", "eu-west-1")):
        monkeypatch.setenv(variable, value)
    with mock_aws():
        calls = []
        original = cloudwatch_certificate_metrics.api_call
        monkeypatch.setattr(cloudwatch_certificate_metrics, "api_call",
                            lambda *args, **kwargs: calls.append(len(kwargs["MetricData"])) or original(*args, **kwargs))
        yield dict(client=boto3.client("cloudwatch", region_name="eu-west-1"), calls=calls)


def test_every_figure_is_sent_in_calls_of_at_most_1000(cloudwatch, module_runner):
    result = module_runner(cloudwatch_certificate_metrics, dict(namespace="Certfleet", report=report(400), region="eu-west-1"))
    assert result["changed"] is False and result["metrics"] == 1 + 400 * 3 and result["calls"] == 2
    assert cloudwatch["calls"] == [1000, 201]
    metrics = cloudwatch["client"].get_paginator("list_metrics").paginate(Namespace="Certfleet").build_full_result()["Metrics"]
    assert len([m for m in metrics if m["MetricName"] == "DaysToExpiry"]) == 400
    days = cloudwatch["client"].get_metric_statistics(
        Namespace="Certfleet", MetricName="DaysToExpiry", Statistics=["Maximum"], Period=60,
        Dimensions=[dict(Name="Certificate", Value="web"), dict(Name="Host", Value="host-0002"), dict(Name="Issuer", Value="hsm")],
        StartTime=NOW - datetime.timedelta(minutes=5), EndTime=NOW + datetime.timedelta(minutes=5))["Datapoints"]
    assert [point["Maximum"] for point in days] == [12.0]


def test_check_mode_sends_nothing(cloudwatch, module_runner):
    result = module_runner(cloudwatch_certificate_metrics, dict(namespace="Certfleet", report=report(2), region="eu-west-1"),
                           check_mode=True)
    assert result["metrics"] == 7 and result["calls"] == 0 and cloudwatch["calls"] == []


def test_something_else_than_a_report_is_refused_naming_what_is_missing(cloudwatch, module_runner):
    result = module_runner(cloudwatch_certificate_metrics, dict(namespace="Certfleet", report={"hosts": []}, region="eu-west-1"))
    assert result["failed"] and "has no attention, generated_at" in result["msg"] and cloudwatch["calls"] == []
