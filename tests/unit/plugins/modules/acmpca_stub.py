"""A botocore Stubber on an ACM PCA client, wired into a module in place of its real client,
with amazon.aws's retry wrapper kept and its sleeps removed."""

import boto3
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils import cloud
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from ansible_collections.certfleet.pki.plugins.module_utils import _acmpca as acmpca


def stub_acmpca(monkeypatch, module, retries):
    client = boto3.client("acm-pca", region_name="eu-west-1", aws_access_key_id="test", aws_secret_access_key="test")
    monkeypatch.setattr(cloud.time, "sleep", lambda seconds: None)   # retries without waiting
    monkeypatch.setattr("time.sleep", lambda seconds: None)          # the waiters' delay
    wrapped = RetryingBotoClientWrapper(client, acmpca.AWSRetry.jittered_backoff(
        retries=retries, delay=1, catch_extra_error_codes=acmpca.RETRY_CODES))
    monkeypatch.setattr(module, "acmpca_client", lambda ansible_module: wrapped)
    return Stubber(client)
