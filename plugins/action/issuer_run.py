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
from ansible_collections.certfleet.pki.plugins.module_utils._providers import (
    LEDGER_INFO_MODULE,
    LEDGER_MODULE,
    PROVIDERS,
    ledger_args,
    module_args,
)
from ansible_collections.certfleet.pki.plugins.modules.issuer_run import ARGUMENT_SPEC
from ansible_collections.certfleet.pki.plugins.plugin_utils._batch import ledger_entries, route_results

try:  # ansible-core 2.19+
    from ansible.executor.module_common import _apply_action_arg_defaults as _with_module_defaults
except ImportError:  # ansible-core 2.17, 2.18
    from ansible.executor.module_common import get_action_args_with_defaults

    def _with_module_defaults(action, task, action_args, templar):
        return get_action_args_with_defaults(action, action_args, task.module_defaults, templar,
                                             action_groups=task._parent._play._action_groups)


class ActionModule(ActionBase):
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        self._task_vars, self._issuers = task_vars, args["issuers"] or {}
        step, runs = args["step"], args["runs"]
        try:
            if step == "revoke":
                result.update(self._revoke_all(runs, args["reason"]))
                return result
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

    def _module(self, run, module_name, module_arguments, reads_only=False):
        """The module's result for ``run`` in its issuer's environment (a failure to start it is a
        result too); a module that ``reads_only`` runs also under --check, for what it reads."""
        saved, saved_check_mode = self._task.environment, self._task.check_mode
        try:
            if reads_only:
                self._task.check_mode = False
            environment = issuer_environment(self._issuers, run["issuer"])
            self._task.environment = (list(saved) if isinstance(saved, list) else [saved] if saved else []) + [environment]
            arguments = _with_module_defaults(module_name, self._task, module_arguments, self._templar)
            return self._execute_module(module_name=module_name, module_args=arguments, task_vars=self._task_vars)
        except AnsibleError as error:
            return dict(failed=True, msg=str(error))
        finally:
            self._task.environment, self._task.check_mode = saved, saved_check_mode

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
        recorded = self._module(run, LEDGER_MODULE, ledger_args(run["connection"], run["issuer"], certificates=entries))
        if recorded.get("failed"):
            return dict(failed=True, msg="its ledger %s was not written (%s); nothing it signed is installed"
                        % (location, recorded.get("msg", "no reason given")))
        return signed

    def _revoke_all(self, runs, reason):
        """Revoke what each run names; the first failure stops the host (nothing after it is revoked)."""
        revoked, ledger_issuers = [], []
        for run in runs:
            serials, problem = self._revoke(run, reason)
            if problem:
                return dict(failed=True, changed=bool(revoked), revoked=revoked, ledger_issuers=ledger_issuers,
                            msg="%s: issuer %s: %s" % (run["name"], run["issuer"], problem))
            revoked.append(dict(name=run["name"], issuer=run["issuer"], serials=serials))
            if PROVIDERS[run["provider"]]["revocation"] == "ledger":
                ledger_issuers.append(run["issuer"])
        return dict(changed=any(entry["serials"] for entry in revoked), revoked=revoked,
                    ledger_issuers=sorted(set(ledger_issuers)))

    def _revoke(self, run, reason):
        """(serials revoked, problem): at the CA, each installed certificate of the replaced key
        once it is shown to carry the declared names; or, for an issuer that keeps a ledger,
        every version it recorded for the host's certificate still valid, never the replacement."""
        entry = PROVIDERS[run["provider"]]
        if entry["revocation"] == "ca":
            serials = []
            for certificate in run["certificates"]:
                arguments = module_args(run["provider"], run["connection"], self._secrets(run))
                arguments.update(state="revoked", current_certificate=certificate, common_name=run["common_name"],
                                 subject_alt_names=run["subject_alt_names"], revocation_reason=reason)
                done = self._module(run, entry["revoke_module"], arguments)
                if done.get("failed"):
                    return serials, done.get("msg", "not revoked")
                serials.append(done.get("serial"))
            return serials, None
        versions = self._module(run, LEDGER_INFO_MODULE, ledger_args(
            run["connection"], run["issuer"], host=run["host"], names=[run["name"]]), reads_only=True)
        if versions.get("failed"):
            return [], versions.get("msg", "its ledger cannot be read")
        serials = [version["serial"] for version in versions.get("issued") or []
                   if not version.get("revoked") and version["serial"] != run.get("keep_serial")]
        recorded = self._module(run, LEDGER_MODULE, ledger_args(run["connection"], run["issuer"], revoke=serials,
                                                                revocation_reason=reason))
        if recorded.get("failed"):
            return [], recorded.get("msg", "its ledger was not written")
        return serials, None
