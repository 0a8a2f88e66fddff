# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ACM Private CA facts the modules share: templates, signing algorithms, validity
arithmetic, idempotency tokens and the client with its retry policy (calls go through
_aws_api)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import calendar
import datetime
import hashlib
import json
import threading
import time

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.certfleet.pki.plugins.module_utils._aws_api import AwsApiErrorHandler
from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError

# Retried with jittered backoff, on top of amazon.aws's defaults: a fleet run with many
# forks meets the 25 IssueCertificate/s quota, and GetCertificate answers
# RequestInProgressException until the CA has signed.
RETRY_CODES = ["ThrottlingException", "RequestInProgressException", "ConcurrentModificationException"]

TEMPLATE_PREFIX = "template/"
PASSTHROUGH_SUFFIXES = ("_APICSRPassthrough", "_APIPassthrough", "_CSRPassthrough")
# The templates that take IssueCertificate's ApiPassthrough (the _CSRPassthrough ones do not).
API_PASSTHROUGH_SUFFIXES = ("_APICSRPassthrough", "_APIPassthrough")
_PROFILE_OF_TEMPLATE = {
    "EndEntityCertificate": "server_client",
    "EndEntityServerAuthCertificate": "server",
    "EndEntityClientAuthCertificate": "client",
    "CodeSigningCertificate": "code_signing",
    "RootCACertificate": "root_ca",
}

# CA key algorithm -> default signing algorithm (hash matched to the key strength).
DEFAULT_SIGNING_ALGORITHM = {
    "RSA_2048": "SHA256WITHRSA",
    "RSA_3072": "SHA384WITHRSA",
    "RSA_4096": "SHA512WITHRSA",
    "EC_prime256v1": "SHA256WITHECDSA",
    "EC_secp384r1": "SHA384WITHECDSA",
    "EC_secp521r1": "SHA512WITHECDSA",
    "SM2": "SM3WITHSM2",
}


class AcmPcaError(CertfleetError):
    """A request the collection refuses before calling AWS."""


def acmpca_client(module):
    return module.client("acm-pca", retry_decorator=AWSRetry.jittered_backoff(
        retries=10, delay=1, max_delay=20, catch_extra_error_codes=RETRY_CODES))


@AwsApiErrorHandler.common_error_handler("list the certificate authorities")
def list_certificate_authorities(client):
    paginator = client.get_paginator("list_certificate_authorities")
    return paginator.paginate().build_full_result()["CertificateAuthorities"]


class RateLimiter:
    """At most ``rate`` calls a second, across the threads of one batch."""

    def __init__(self, rate):
        if rate <= 0:
            raise AcmPcaError("issue_rate must be above 0, got %s" % rate)
        self.interval = 1.0 / rate
        self.lock = threading.Lock()
        self.next_slot = time.monotonic()

    def wait(self):
        with self.lock:
            now = time.monotonic()
            slot = max(now, self.next_slot)
            self.next_slot = slot + self.interval
        time.sleep(max(0.0, slot - now))


def partition_of(arn):
    return arn.split(":")[1] if arn.count(":") >= 5 else "aws"


def template_arn(template, ca_arn):
    """A template ARN from a short name ('EndEntityServerAuthCertificate') or an ARN."""
    if template.startswith("arn:"):
        return template
    name = template if "/" in template else template + "/V1"
    return "arn:%s:acm-pca:::%s%s" % (partition_of(ca_arn), TEMPLATE_PREFIX, name)


def template_name(arn):
    return arn.split(TEMPLATE_PREFIX, 1)[-1].split("/", 1)[0]


def is_api_passthrough(arn):
    return template_name(arn).endswith(API_PASSTHROUGH_SUFFIXES)


def profile_of_template(arn):
    """The certfleet profile a template yields, or None when the template lets the request
    decide (passthrough variants of the blank templates)."""
    name = template_name(arn)
    for suffix in PASSTHROUGH_SUFFIXES:
        if name.endswith(suffix):
            name = name[:-len(suffix)]
    if name.startswith("SubordinateCACertificate_PathLen"):
        return "subordinate_ca"
    return _PROFILE_OF_TEMPLATE.get(name)


def check_signing_algorithm(key_algorithm, signing_algorithm):
    """The default for the CA key, or the one asked for if it fits the key family."""
    if signing_algorithm is None:
        if key_algorithm not in DEFAULT_SIGNING_ALGORITHM:
            raise AcmPcaError("no default signing algorithm for CA key algorithm %s; set signing_algorithm"
                              % key_algorithm)
        return DEFAULT_SIGNING_ALGORITHM[key_algorithm]
    family = key_algorithm.split("_", 1)[0]
    wanted = {"RSA": "WITHRSA", "EC": "WITHECDSA", "SM2": "WITHSM2"}.get(family)
    if wanted and not signing_algorithm.endswith(wanted):
        raise AcmPcaError("signing algorithm %s does not fit the CA's %s key (use a *%s algorithm)"
                          % (signing_algorithm, key_algorithm, wanted))
    return signing_algorithm


def _add_months(moment, months):
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def validity_end(validity, now):
    """When a certificate with ACM PCA ``validity`` ({Type, Value}) issued at ``now`` ends."""
    kind, value = validity["Type"], validity["Value"]
    if kind == "DAYS":
        return now + datetime.timedelta(days=value)
    if kind == "MONTHS":
        return _add_months(now, value)
    if kind == "YEARS":
        return _add_months(now, 12 * value)
    if kind == "ABSOLUTE":
        return datetime.datetime.fromtimestamp(value, datetime.timezone.utc)
    if kind == "END_DATE":
        return datetime.datetime.strptime(str(value), "%Y%m%d%H%M%S").replace(tzinfo=datetime.timezone.utc)
    raise AcmPcaError("unknown validity type %s" % kind)


def idempotency_token(*parts):
    """36 hex characters derived from everything that defines a request (the CA, the CSR,
    every parameter): a retried or re-run task within AWS's 5-minute window gets what it
    already bought. Surrounding white space of text parts does not count."""
    normalised = [part.strip() if isinstance(part, str) else part for part in parts]
    return hashlib.sha256(json.dumps(normalised, sort_keys=True, default=str).encode()).hexdigest()[:36]


def serial_for_api(serial_hex):
    """RevokeCertificate wants the serial in colon-separated hex pairs."""
    digits = serial_hex.replace(":", "").lower()
    if len(digits) % 2:
        digits = "0" + digits
    return ":".join(digits[i:i + 2] for i in range(0, len(digits), 2))
