# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""certfleet.pki.issuer_run: each issuer's runs for the batch, through the module the provider
registry names for it, and every result routed back to the host that asked.

The role calls this once per step (check, sign, deliver) with the runs the certificate_batch
filters made from the controller's records, so its task files name no provider and the
result is already split by host: each host reads its own part in constant time.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.certfleet.pki.plugins.filter.certificate_plan import issuer_environment
from ansible_collections.certfleet.pki.plugins.module_utils._providers import PROVIDERS, module_args
from ansible_collections.certfleet.pki.plugins.modules.issuer_run import ARGUMENT_SPEC
from ansible_collections.certfleet.pki.plugins.plugin_utils._batch import ledger_entries, route_results

try:  # ansible-core 2.19+
    from ansible.executor.module_common import _apply_action_arg_defaults as _with_module_defaults
except ImportError:  # ansible-core 2.17, 2.18
    from ansible.executor.module_common import get_action_args_with_defaults

    def _with_module_defaults(action, task, action_args, templar):
        return get_action_args_with_defaults(action, action_args, task.module_defaults, templar,
                                             action_groups=task._parent._play._action_groups)

LEDGER_MODULE = "certfleet.pki.certificate_ledger"


class ActionModule(ActionBase):
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        self._task_vars, self._issuers = task_vars, args["issuers"] or {}
        step, runs = args["step"], args["runs"]
        try:
            if step == "check":
                result.update(changed=False, results=[dict(self._check(run), item=run) for run in runs])
                return result
            answers = [self._issue(run, args["passphrase"]) if step == "deliver" else self._sign(run) for run in runs]
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        # The change is each host's install, not this run of the batch (run_once counts on one host).
        result.update(changed=False, by_host=route_results(runs, answers),
                      runs=[dict(issuer=run["issuer"], requests=len(run["requests"]), failed=bool(answer.get("failed")),
                                 msg=answer.get("msg", "")) for run, answer in zip(runs, answers)])
        return result

    def _module(self, run, module_name, module_arguments):
        """The module's result for ``run`` in its issuer's environment (a failure to start it is a result too)."""
        saved = self._task.environment
        try:
            environment = issuer_environment(self._issuers, run["issuer"])
            self._task.environment = (list(saved) if isinstance(saved, list) else [saved] if saved else []) + [environment]
            arguments = _with_module_defaults(module_name, self._task, module_arguments, self._templar)
            return self._execute_module(module_name=module_name, module_args=arguments, task_vars=self._task_vars)
        except AnsibleError as error:
            return dict(failed=True, msg=str(error))
        finally:
            self._task.environment = saved

    def _secrets(self, run):
        return self._issuers.get(run["issuer"]) or {}

    def _check(self, run):
        entry = PROVIDERS[run["provider"]]
        if not entry["preflight_module"]:
            return {}
        arguments = module_args(run["provider"], run["connection"], self._secrets(run), entry["preflight_options"])
        arguments.update(entry["preflight_fixed"])
        found = self._module(run, entry["preflight_module"], arguments)
        found.pop("invocation", None)
        return found

    def _issue(self, run, passphrase=None):
        arguments = module_args(run["provider"], run["connection"], self._secrets(run))
        arguments["requests"] = run["requests"]
        if passphrase:
            arguments["passphrase"] = passphrase
        return self._module(run, PROVIDERS[run["provider"]]["module"], arguments)

    def _sign(self, run):
        """Sign, then record in the issuer's ledger before anything is installed: a certificate
        in use is always one its CA's ledger knows. A ledger that cannot be written fails the run."""
        signed = self._issue(run)
        location = run["connection"].get("ledger")
        if signed.get("failed") or not (PROVIDERS[run["provider"]]["records_in_ledger"] and location):
            return signed
        entries = ledger_entries(run, signed)
        if not entries:
            return signed
        recorded = self._module(run, LEDGER_MODULE, dict(
            (option, value) for option, value in (
                ("location", location), ("ca", run["issuer"]), ("region", run["connection"].get("ledger_region")),
                ("endpoint_url", run["connection"].get("ledger_endpoint_url")), ("certificates", entries))
            if value is not None))
        if recorded.get("failed"):
            return dict(failed=True, msg="its ledger %s was not written (%s); nothing it signed is installed"
                        % (location, recorded.get("msg", "no reason given")))
        return signed
