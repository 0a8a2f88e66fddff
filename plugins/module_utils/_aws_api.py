# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the AWS modules call AWS: one call with the client's retries, AWS's own error kept
for fail_json_aws, and one way to report an error (ACM PCA, KMS, ACM, Secrets Manager)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError


class AwsApiError(AnsibleAWSError, CertfleetError):
    """An AWS call that failed; carries the botocore error for fail_json_aws."""


class AwsApiErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AwsApiError


def api_call(client, operation, description, **kwargs):
    """One call with the client's retries. A failure raises AwsApiError saying
    "Failed to <description>", with AWS's own error attached."""
    @AwsApiErrorHandler.common_error_handler(description)
    def call():
        return getattr(client, operation)(aws_retry=True, **kwargs)
    return call()


def api_wait(client, waiter, description, delay, attempts, **kwargs):
    """Wait with a botocore waiter; a timeout raises AwsApiError "Timeout trying to <description>"."""
    @AwsApiErrorHandler.common_error_handler(description)
    def wait():
        client.get_waiter(waiter).wait(WaiterConfig={"Delay": delay, "MaxAttempts": attempts}, **kwargs)
    wait()


def fail(module, error):
    """Report a CertfleetError: an API error with AWS's details, any other with its message."""
    if isinstance(error, AnsibleAWSError):
        module.fail_json_aws_error(error)
    module.fail_json(msg=str(error))
