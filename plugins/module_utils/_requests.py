# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One request model for the modules that serve a batch (O(requests)): the signing modules of
module_utils/_issuance.py and the delivering modules of module_utils/_delivery.py."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


def request_entries(params, shared=None):
    """One entry per request: each of O(requests) over the module's own options (those named in
    ``shared``, or all of them), a request's value winning wherever it gives one; without
    O(requests), the module's options as the one request, with no requester."""
    base = dict(params) if shared is None else dict((key, params[key]) for key in shared)
    if params["requests"] is None:
        return [dict(base, requester=None)]
    return [dict(base, **dict((key, value) for key, value in entry.items() if value is not None))
            for entry in params["requests"]]
