# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one base of every error the collection raises on purpose: a module or filter that
catches CertfleetError reports the message as it is (it names the field and the value),
and anything else is a bug that shows its traceback."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class CertfleetError(Exception):
    """A problem the user can fix, described in the message."""


def run_and_exit(module, run, report=None):
    """Exit the module with the result of ``run(module)``; a CertfleetError fails it with its
    message (it names the field and the value), or through ``report(module, error)`` (the AWS
    modules add AWS's details), and anything else shows its traceback."""
    try:
        result = run(module)
    except CertfleetError as error:
        if report:
            report(module, error)
        module.fail_json(msg=str(error))
    module.exit_json(**result)


def failure_result(options, error):
    """The result of a request of a batch that failed; its message names the requester
    (host/certificate)."""
    message, requester = str(error), options.get("requester")
    if not isinstance(error, CertfleetError):  # a library's error on a host's input: say which
        message = "cannot be signed: %s: %s" % (type(error).__name__, message)
    if requester and not message.startswith(requester + ": "):
        message = "%s: %s" % (requester, message)
    return dict(failed=True, changed=False, msg=message)
