"""The batch modules' one request model (issue 31): a request's own values win, the module's
fill what it leaves out, and a module run without requests is its own one request."""

from ansible_collections.certfleet.pki.plugins.module_utils._requests import request_entries

PARAMS = dict(common_name="default", validity_days=90, tags={"team": "web"}, requests=None)


def test_a_request_s_values_win_and_the_module_s_fill_the_rest():
    params = dict(PARAMS, requests=[dict(requester="web-1/www", common_name="www", validity_days=None),
                                    dict(requester="web-2/api", common_name="api", validity_days=30)])
    first, second = request_entries(params)
    assert (first["common_name"], first["validity_days"], first["requester"]) == ("www", 90, "web-1/www")
    assert (second["common_name"], second["validity_days"]) == ("api", 30)
    assert first["tags"] == {"team": "web"}


def test_only_the_shared_options_are_carried_when_named():
    params = dict(PARAMS, requests=[dict(requester="web-1/www", common_name=None)])
    (entry,) = request_entries(params, ("common_name", "tags"))
    assert entry == dict(common_name="default", tags={"team": "web"}, requester="web-1/www")


def test_without_requests_the_module_s_options_are_the_one_request():
    (entry,) = request_entries(PARAMS, ("common_name",))
    assert entry == dict(common_name="default", requester=None)
