# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The OS trust store and the application CA bundles of a host, in one pass: what
certfleet.pki.trust_store writes, and what certfleet.pki.host_observation reads (the same
function, with the module in check mode)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.certfleet.pki.plugins.module_utils._trust_anchors import (
    apply_groups,
    plan_groups,
    resolve_platform,
)
from ansible_collections.certfleet.pki.plugins.module_utils._trust_bundles import plan_bundles
from ansible_collections.certfleet.pki.plugins.module_utils._trust_platforms import PLATFORM_OPTION

TRUST_STORE_OPTIONS = dict(
    anchors=dict(type="list", elements="dict", default=[], options=dict(
        name=dict(type="str", required=True),
        certificate=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )),
    bundles=dict(type="list", elements="dict", default=[], options=dict(
        path=dict(type="path", required=True),
        certificates=dict(type="list", elements="str"),
        owner=dict(type="str"),
        group=dict(type="str"),
        mode=dict(type="raw", default="0644"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    ), required_if=[("state", "present", ("certificates",))]),
    platform=PLATFORM_OPTION,
)


def reconcile_trust_store(module, params):
    """The trust_store result for ``params``; writes only when the module is not in check mode."""
    # The OS layout matters (and /etc/os-release is read) only for anchors.
    platform = resolve_platform(params["platform"]) if params["anchors"] else None
    # Everything planned, and so every certificate checked, before the first write.
    groups = plan_groups(platform, params["anchors"]) if params["anchors"] else []
    bundles = plan_bundles(params["bundles"])
    diffs = [group.diff(platform) for group in groups if group.changed]
    if not module.check_mode:
        apply_groups(module, platform, groups)
    bundle_results = []
    for bundle, declared in zip(bundles, params["bundles"]):
        changed = bundle.apply(module, module.load_file_common_arguments(declared))
        bundle_results.append(dict(path=bundle.path, changed=changed, certificates=bundle.certificates))
        if bundle.content_changed:
            diffs.append(bundle.diff())
    result = dict(changed=any(group.changed for group in groups) or any(b["changed"] for b in bundle_results),
                  platform=platform.family if platform else "",
                  anchors=[group.result() for group in groups], bundles=bundle_results)
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = diffs
    return result
