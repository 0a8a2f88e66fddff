# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The certificate role's batch, on the controller: which runs each issuer makes for the batch
of hosts, whose certificate each result is, and what each host installs.

Everything here works on the controller's own records of each host: its plan (from the
operator's declaration) and its checked status and requests. A request's owner is a
``{"host", "name"}`` pair the controller wrote, and a result goes back to the owner of the
request at its position: nothing a host or an issuer returns decides whose it is. Every
function is linear in the number of requests of the batch.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible_collections.certfleet.pki.plugins.module_utils._providers import PROVIDERS, delivered

# The start of a status reason that means the current key cannot be reused: the declared kind changed, or
# there is no key (or no certificate) to reuse.
_NEW_KEY_REASONS = ("key type changed", "private key missing", "no certificate installed")


def _status_by_name(status):
    return dict((entry.get("name"), entry) for entry in (status or {}).get("certificates") or [])


def _run_key(planned):
    return planned["issuer"] + json.dumps(planned["connection"], sort_keys=True)


def _add(runs, planned, request, owner):
    """Add one request to the run of its issuer and shared options (made when missing)."""
    key = _run_key(planned)
    if key not in runs:
        runs[key] = dict(issuer=planned["issuer"], provider=planned["provider"], connection=planned["connection"],
                         requests=[], owners=[])
    runs[key]["requests"].append(request)
    runs[key]["owners"].append(owner)


def signing_runs(batch):
    """The batch's signing runs: every host's due requests that have a CSR, grouped by issuer
    and shared options (a host whose options differ signs in a run of its own). ``batch`` is
    one entry per host: ``{"host", "planned", "status", "requests"}``."""
    runs = {}
    for entry in batch:
        due = set((entry.get("status") or {}).get("due") or [])
        csrs = dict((request["name"], request["csr"]) for request in (entry.get("requests") or {}).get("requests") or []
                    if request.get("name") in due and request.get("csr"))
        status = _status_by_name(entry.get("status"))
        for planned in entry.get("planned") or []:
            if planned["name"] not in csrs or delivered(planned["provider"]):
                continue
            request = dict(planned["request"], csr=csrs[planned["name"]])
            replaces = PROVIDERS[planned["provider"]]["replaces_in_request"]
            serial = status.get(planned["name"], {}).get("serial")
            if replaces and serial:
                request[replaces] = serial
            _add(runs, planned, request, dict(host=entry["host"], name=planned["name"]))
    return list(runs.values())


def delivery_runs(batch):
    """The batch's delivering runs: every delivered certificate of every host, due or not (its
    source decides), each request carrying what the host has now for the source to compare."""
    runs = {}
    for entry in batch:
        status = _status_by_name(entry.get("status"))
        for planned in entry.get("planned") or []:
            if not delivered(planned["provider"]):
                continue
            option, field = PROVIDERS[planned["provider"]]["current_in_request"]
            request = dict(planned["request"])
            request[option] = status.get(planned["name"], {}).get(field)
            _add(runs, planned, request, dict(host=entry["host"], name=planned["name"]))
    return list(runs.values())


def check_runs(batch):
    """One entry per issuer something is due from in the batch: its provider, its shared
    options and the longest renewal window of its due certificates (the CA must outlive it)."""
    checks = {}
    for entry in batch:
        due = set((entry.get("status") or {}).get("due") or [])
        for planned in entry.get("planned") or []:
            if planned["name"] not in due or delivered(planned["provider"]):
                continue
            check = checks.setdefault(planned["issuer"], dict(
                issuer=planned["issuer"], provider=planned["provider"], connection=planned["connection"],
                renew_before_days=0))
            check["renew_before_days"] = max(check["renew_before_days"], planned.get("renew_before_days") or 0)
    return list(checks.values())


def route_results(runs, results):
    """``{host: {name: result}}`` from each run and its module's result (``results[i]`` is the
    result of ``runs[i]``). A run that failed as a whole fails each of its requests, naming the
    issuer; a result whose requester is not the one asked at its position is refused."""
    routed = {}
    for run, result in zip(runs, results):
        answers = (result or {}).get("certificates")
        for index, owner in enumerate(run["owners"]):
            routed.setdefault(owner["host"], {})[owner["name"]] = _answer(run, result, answers, index)
    return routed


def _answer(run, result, answers, index):
    if not isinstance(answers, list):
        return dict(failed=True, msg="issuer %s: %s" % (run["issuer"], (result or {}).get("msg") or "did not answer"))
    asked = run["requests"][index].get("requester")
    answer = answers[index] if index < len(answers) else None
    if not isinstance(answer, dict) or answer.get("requester") != asked:
        return dict(failed=True, msg="issuer %s: no answer for %s" % (run["issuer"], asked))
    return answer


def ledger_entries(run, result):
    """What a signing run's ledger records: each certificate it signed, with its owner."""
    entries = []
    for owner, answer in zip(run["owners"], (result or {}).get("certificates") or []):
        if answer.get("changed") and not answer.get("failed"):
            entries.append(dict(certificate=answer["certificate"], host=owner["host"], name=owner["name"]))
    return entries


def wanted(planned, status):
    """What the host asks for: for each due certificate, a new key (staged) or the current one,
    reused only while it is the declared kind (a changed key declaration gets a new key now,
    instead of a renewal on every run)."""
    due = set((status or {}).get("due") or [])
    by_name = _status_by_name(status)
    requests = []
    for entry in planned:
        if entry["name"] not in due or delivered(entry["provider"]):
            continue
        reasons = by_name.get(entry["name"], {}).get("reasons") or []
        reuse = entry["key_reuse"] and not any(reason.startswith(_NEW_KEY_REASONS) for reason in reasons)
        requests.append(dict(name=entry["name"], key=entry["key"], new_key=not reuse,
                             key_path=entry["paths"]["key"] if reuse else entry["paths"]["staged_key"],
                             common_name=entry["common_name"], subject_alt_names=entry["subject_alt_names"]))
    return requests


def unsigned(wanted_requests, signed, host):
    """The messages of this host's wanted certificates that were not signed."""
    problems = []
    for request in wanted_requests:
        result = signed.get(request["name"]) or dict(failed=True, msg="%s/%s: no issuer signed it" % (host, request["name"]))
        if result.get("failed"):
            problems.append(result.get("msg") or "%s/%s: not signed" % (host, request["name"]))
    return problems


def _install_entry(planned, result, passphrases):
    entry = dict(path=planned["paths"]["dir"], certificate=result["certificate"], chain=result.get("chain"),
                 fullchain_root=planned["fullchain_root"], owner=planned["owner"], group=planned["group"])
    if "pkcs12" in planned["formats"]:
        entry["pkcs12_passphrase"] = passphrases.get(planned["name"])
    return entry


def _passphrases(declared):
    """PKCS#12 passphrases by certificate name, read from the operator's declaration here (never
    copied into a fact that -v would print)."""
    return dict((entry.get("name"), entry.get("pkcs12_passphrase")) for entry in declared or []
                if isinstance(entry, dict) and entry.get("pkcs12_passphrase"))


def signed_installs(wanted_requests, planned, signed, declared):
    """certificate_deploy's entries for what was signed for this host (keys from their staged path)."""
    by_name = dict((entry["name"], entry) for entry in planned)
    passphrases = _passphrases(declared)
    entries = []
    for request in wanted_requests:
        entry = _install_entry(by_name[request["name"]], signed[request["name"]], passphrases)
        if request["new_key"]:
            entry["key_src"] = request["key_path"]
        entries.append(entry)
    return entries


def delivered_installs(planned, delivered_results, declared, passphrase):
    """certificate_deploy's entries for what the sources delivered to this host (each key
    encrypted with the run's ``passphrase``, decrypted on the host)."""
    by_name = dict((entry["name"], entry) for entry in planned)
    passphrases = _passphrases(declared)
    entries = []
    for name, result in sorted(delivered_results.items()):
        if not result.get("private_key") or name not in by_name:
            continue
        entry = _install_entry(by_name[name], result, passphrases)
        entry.update(key_encrypted=result["private_key"], key_passphrase=passphrase)
        if result.get("version_id") is not None:
            entry["origin"] = result["version_id"]
        entries.append(entry)
    return entries


def revocation_runs(planned, replaced, revoking, signed, host):
    """What the host revokes after its certificates in ``revoking`` were replaced: per
    certificate, its issuer and the declared names; for an issuer that revokes at its CA, the
    installed certificates of the replaced key (``replaced``: their status entries); for one that
    revokes in its ledger, the serial of the replacement (``signed``), which is never revoked."""
    replaced_by_name = dict((entry["name"], entry) for entry in replaced or [])
    runs = []
    for entry in planned:
        capability = PROVIDERS[entry["provider"]]["revocation"]
        if entry["name"] not in (revoking or []) or not capability:
            continue
        run = dict(issuer=entry["issuer"], provider=entry["provider"], connection=entry["connection"], host=host,
                   name=entry["name"], common_name=entry["common_name"], subject_alt_names=entry["subject_alt_names"])
        if capability == "ca":
            certificates = (replaced_by_name.get(entry["name"]) or {}).get("certificates_of_key") or []
            if not certificates:
                continue
            run["certificates"] = certificates
        else:
            run["keep_serial"] = ((signed or {}).get(entry["name"]) or {}).get("serial")
        runs.append(run)
    return runs
