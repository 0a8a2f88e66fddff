# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which of a host's declared certificates are due, in one pass: what
certfleet.pki.certificate_status answers, and what certfleet.pki.host_observation reads (the
same function, with the module in check mode)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import os
import time

from ansible_collections.certfleet.pki.plugins.module_utils._certificate_state import (
    DECLARED_CERTIFICATE_OPTIONS,
    check_declarations,
    inspect_certificate,
)
from ansible_collections.certfleet.pki.plugins.module_utils._declaration_defaults import DEFAULT_RENEWAL_JITTER
from ansible_collections.certfleet.pki.plugins.module_utils._store import (
    DEFAULT_CERTIFICATES_DIR,
    DEFAULT_STAGING_MAX_AGE,
    left_behind_keys,
    staging_dir,
)

STATUS_OPTIONS = dict(
    certificates=dict(type="list", elements="dict", required=True, options=dict(
        DECLARED_CERTIFICATE_OPTIONS, staging_dir=dict(type="path"), force=dict(type="bool", default=False))),
    base_path=dict(type="path", default=DEFAULT_CERTIFICATES_DIR),
    host=dict(type="str", required=True),
    jitter=dict(type="float", default=DEFAULT_RENEWAL_JITTER),
    staging_path=dict(type="path"),
    staging_max_age=dict(type="int", default=DEFAULT_STAGING_MAX_AGE),
)


def certificate_status(module, params):
    """The certificate_status result for ``params`` (raises CertfleetError on a bad
    declaration). Staged keys left behind by an interrupted run are removed unless the module is
    in check mode."""
    now = datetime.datetime.now(datetime.timezone.utc)
    check_declarations(params["certificates"])
    statuses = [inspect_certificate(declared, params, now)[0] for declared in params["certificates"]]
    staging_dirs = [declared["staging_dir"] or staging_dir(declared["name"], params["staging_path"])
                    for declared in params["certificates"]
                    if declared["staging_dir"] or params["staging_path"]]
    left_behind = left_behind_keys(staging_dirs, params["staging_max_age"], time.time())
    if not module.check_mode:
        for path in left_behind:
            os.remove(path)
    return dict(changed=bool(left_behind), removed_staged_keys=left_behind, certificates=statuses,
                due=[status["name"] for status in statuses if status["needs_renewal"]])
