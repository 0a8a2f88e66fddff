"""The issuance ledger in a directory and in S3 (moto in process): entries created once,
first revocation stands, CRL replaced only over the version read, parallel writers lose nothing."""

import datetime
import json
import os
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from moto import mock_aws

from ansible_collections.certfleet.pki.plugins.module_utils._ledger import Ledger
from ansible_collections.certfleet.pki.plugins.module_utils._ledger_location import LedgerError, parse_location
from ansible_collections.certfleet.pki.plugins.module_utils._ledger_stores import DirectoryStore, LedgerConflict, S3Store
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import to_pem
from helpers.software_ca import issue_leaf, software_root


@pytest.fixture(scope="module")
def ca():
    return software_root("Ledger Root")


def issue(ca, common_name="web-1"):
    certificate = issue_leaf(ca, common_name, profile="server", sans=["DNS:%s.example" % common_name])
    return to_pem(certificate), "%x" % certificate.serial_number


@pytest.fixture(params=["directory", "s3"])
def store(request, tmp_path):
    if request.param == "directory":
        yield DirectoryStore(str(tmp_path / "ledger"))
        return
    with mock_aws():
        client = boto3.client("s3", region_name="eu-west-1")
        client.create_bucket(Bucket="pki-ledger", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        yield S3Store(client, "pki-ledger", "lab/")


def test_record_is_created_once_with_facts_from_the_certificate(ca, store):
    ledger = Ledger(store, "lab-hsm")
    pem, serial = issue(ca)
    entry, created = ledger.record(pem, "web-1", "web")
    assert created is True
    assert (entry["serial"], entry["host"], entry["name"], entry["subject"]) == (serial, "web-1", "web", "CN=web-1")
    assert entry["subject_alt_names"] == ["DNS:web-1.example"]
    again, created = ledger.record(pem, "web-1", "web")
    assert created is False and again == entry
    assert [item["serial"] for item in ledger.issued()] == [serial]


def test_a_serial_recorded_for_another_certificate_is_refused(ca, store):
    ledger = Ledger(store, "lab-hsm")
    pem, serial = issue(ca)
    ledger.record(pem, "web-1", "web")
    forged = json.loads(store.read("lab-hsm/issued/%s.json" % serial)[0])
    forged["fingerprint_sha256"] = "00" * 32
    other = Ledger(store, "lab-hsm")
    store_key = "lab-hsm/issued/%s.json" % serial
    if isinstance(store, DirectoryStore):
        with open(os.path.join(store.root, store_key), "w") as handle:
            json.dump(forged, handle)
    else:
        store.client.put_object(Bucket=store.bucket, Key=store._key(store_key), Body=json.dumps(forged).encode())
    with pytest.raises(LedgerError, match="serial %s is recorded for another certificate" % serial):
        other.record(pem, "web-1", "web")


def test_first_revocation_stands_and_unknown_serials_are_refused(ca, store):
    ledger = Ledger(store, "lab-hsm")
    pem, serial = issue(ca)
    ledger.record(pem, "web-1", "web")
    first, created = ledger.revoke(serial, "KEY_COMPROMISE")
    assert created and first["reason"] == "KEY_COMPROMISE" and first["host"] == "web-1"
    later, created = ledger.revoke(serial.upper(), "SUPERSEDED")
    assert created is False and later == first
    with pytest.raises(LedgerError, match="serial abc was not issued by lab-hsm"):
        ledger.revoke("0abc", "SUPERSEDED")
    with pytest.raises(LedgerError, match="reason 'STOLEN' is not one of"):
        ledger.revoke(serial, "STOLEN")
    assert [entry["serial"] for entry in ledger.revoked()] == [serial]


def test_crl_is_replaced_only_over_the_version_read(store):
    ledger = Ledger(store, "lab-hsm")
    assert ledger.crl() == (None, None)
    ledger.publish_crl("crl one", None)
    text, version = ledger.crl()
    assert text == "crl one"
    with pytest.raises(LedgerConflict):
        ledger.publish_crl("crl from a run that read nothing", None)
    ledger.publish_crl("crl two", version)
    with pytest.raises(LedgerConflict):
        ledger.publish_crl("crl from a run that read crl one", version)
    assert ledger.crl()[0] == "crl two"


def test_parallel_writers_lose_no_entry(ca, store):
    certificates = [issue(ca, "host-%d" % index) for index in range(24)]
    ledger = Ledger(store, "lab-hsm")

    def record_and_revoke(item):
        index, (pem, serial) = item
        ledger.record(pem, "host-%d" % index, "web")
        return ledger.revoke(serial, "SUPERSEDED")[1]

    with ThreadPoolExecutor(max_workers=8) as pool:
        created = list(pool.map(record_and_revoke, enumerate(certificates)))
    assert created == [True] * 24
    assert sorted(entry["serial"] for entry in ledger.issued()) == sorted(serial for _pem, serial in certificates)
    assert len(ledger.revoked()) == 24


@pytest.mark.parametrize("location, expected", [
    ("/var/lib/certfleet/ledger", ("directory", "/var/lib/certfleet/ledger", None)),
    ("s3://pki-ledger", ("s3", "pki-ledger", "")),
    ("s3://pki-ledger/lab/2026", ("s3", "pki-ledger", "lab/2026")),
])
def test_locations(location, expected):
    assert parse_location(location) == expected


@pytest.mark.parametrize("location", ["relative/dir", "s3://", "s3://UPPER/x", "s3://bucket/../x", "s3://bucket\n", "", None])
def test_bad_locations_are_named(location):
    with pytest.raises(LedgerError, match="ledger location"):
        parse_location(location)


def test_the_ca_name_is_one_path_component(tmp_path):
    with pytest.raises(LedgerError, match="ledger ca"):
        Ledger(DirectoryStore(str(tmp_path)), "../etc")


def test_recorded_at_is_utc(ca, tmp_path):
    pem, _serial = issue(ca)
    entry, _created = Ledger(DirectoryStore(str(tmp_path)), "ca").record(
        pem, "h", "n", when=datetime.datetime(2026, 11, 29, 12, tzinfo=datetime.timezone.utc))
    assert entry["recorded_at"] == "2026-11-29T12:00:00Z"


def test_the_s3_ledger_never_reads_an_object_it_has_not_listed(ca):
    """Issue 29, defect 7: under docs/iam.md's policy (ListBucket only with an s3:prefix
    condition) a GetObject of a missing key is answered 403, not 404. Every ledger operation,
    on an empty ledger and a full one, reads only keys a listing returned first (botocore event
    hooks record each S3 call the ledger makes against moto, and what each listing returned)."""
    with mock_aws():
        client = boto3.client("s3", region_name="eu-west-1")
        client.create_bucket(Bucket="pki-ledger", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        events = []
        client.meta.events.register("provide-client-params.s3.*",
                                    lambda params, model, **kwargs: events.append((model.name, params.get("Key"))))
        client.meta.events.register(
            "after-call.s3.ListObjectsV2",
            lambda parsed, **kwargs: events.append(("listed", [item["Key"] for item in parsed.get("Contents", [])])))
        ledger = Ledger(S3Store(client, "pki-ledger", "lab/"), "lab-hsm")
        pem, serial = issue(ca)
        unknown = "%x" % (int(serial, 16) + 1)
        ledger.crl()
        ledger.has_issued(serial)
        ledger.has_revoked(serial)
        ledger.record(pem, "web-1", "web")
        ledger.record(pem, "web-1", "web")
        ledger.has_issued(serial)
        ledger.revoke(serial, "KEY_COMPROMISE")
        ledger.revoke(serial, "SUPERSEDED")
        ledger.publish_crl("crl", ledger.crl()[1])
        ledger.crl()
        ledger.issued()
        ledger.revoked()
        with pytest.raises(LedgerError, match="was not issued by lab-hsm"):
            ledger.revoke(unknown, "SUPERSEDED")
    listed, unlisted_reads = set(), []
    for name, detail in events:
        if name == "listed":
            listed.update(detail)
        elif name == "GetObject" and detail not in listed:
            unlisted_reads.append(detail)
    assert unlisted_reads == [] and ("GetObject", "lab/lab-hsm/crl.pem") in events
