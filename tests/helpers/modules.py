"""Run an Ansible module's main() in the test process and read its JSON result."""

import contextlib
import io
import json

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes


def run_module(module, args, check_mode=False):
    """Run an Ansible module's main() in this process; returns its JSON result."""
    args = dict(args, _ansible_check_mode=check_mode, _ansible_remote_tmp="/tmp", _ansible_keep_remote_files=False)
    basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))  # pylint: disable=protected-access
    basic._ANSIBLE_PROFILE = "legacy"  # pylint: disable=protected-access
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        try:
            module.main()
        except SystemExit:
            pass
    return json.loads(output.getvalue().strip().splitlines()[-1])


@pytest.fixture(scope="session")
def module_runner():
    return run_module
