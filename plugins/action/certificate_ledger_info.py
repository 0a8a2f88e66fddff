# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""certfleet.pki.certificate_ledger_info: a directory ledger on the controller is read in the
controller's own process, the same code the module runs, so that the crl role's read of the
ledger on every run costs no module execution. Anywhere else (an S3 ledger, another host, a
become user) the module runs as usual."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

MODULE = "certfleet.pki.certificate_ledger_info"

try:  # what the in-process read needs on the controller; without it the module runs
    from ansible_collections.amazon.aws.plugins.module_utils.modules import aws_argument_spec
    from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError
    from ansible_collections.certfleet.pki.plugins.module_utils._ledger import LEDGER_OPTIONS, Ledger
    from ansible_collections.certfleet.pki.plugins.module_utils._ledger_location import LedgerError, parse_location
    from ansible_collections.certfleet.pki.plugins.module_utils._ledger_reading import LEDGER_INFO_OPTIONS, read_ledger
    from ansible_collections.certfleet.pki.plugins.module_utils._ledger_stores import DirectoryStore
    HAS_READER = True
except ImportError:
    HAS_READER = False


def directory_here(location, transport, become):
    """The directory of ``location`` when this process can read it as the module would: a
    directory ledger, over the local connection, without become; None otherwise."""
    if not HAS_READER or transport != "local" or become:
        return None
    try:
        kind, where, _prefix = parse_location(location)
    except LedgerError:
        return None  # the module reports it, as it always has
    return where if kind == "directory" else None


def read_here(directory, args):
    """The module's result for ``args``, read from ``directory`` in this process."""
    spec = dict(aws_argument_spec(), **dict(LEDGER_OPTIONS, **LEDGER_INFO_OPTIONS))
    validated = ArgumentSpecValidator(spec).validate(args)
    if validated.error_messages:
        return dict(failed=True, msg="; ".join(validated.error_messages))
    params = validated.validated_parameters
    try:
        return read_ledger(Ledger(DirectoryStore(directory), params["ca"]), params)
    except CertfleetError as error:
        return dict(failed=True, msg=str(error))


class ActionModule(ActionBase):
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        directory = directory_here(self._task.args.get("location"), self._connection.transport, self._play_context.become)
        if directory is None:
            result.update(self._execute_module(module_name=MODULE, module_args=self._task.args, task_vars=task_vars))
        else:
            result.update(read_here(directory, self._task.args))
        return result
