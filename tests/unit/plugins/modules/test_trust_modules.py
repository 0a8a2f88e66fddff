"""trust_anchor, trust_bundle and trust_store with the OS layout redirected into a temporary directory
and the OS update tool simulated (it rebuilds the bundle from the anchor directory)."""

import datetime
import glob
import os

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.certfleet.pki.plugins.module_utils import _trust_platforms as trust_platforms
from ansible_collections.certfleet.pki.plugins.module_utils._certificate_builder import build_certificate
from ansible_collections.certfleet.pki.plugins.module_utils._signers import SoftwareSigner
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import to_pem
from ansible_collections.certfleet.pki.plugins.module_utils import _trust_anchors as trust_anchors
from ansible_collections.certfleet.pki.plugins.modules import trust_anchor, trust_bundle, trust_store


def make_ca(common_name, now=None, days=365):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    certificate, _clamped = build_certificate(SoftwareSigner(key), "root_ca", subject, key.public_key(),
                                              validity_days=days, now=now)
    return to_pem(certificate), key, certificate


ROOT_A, KEY_A, CERT_A = make_ca("Root A")
ROOT_B = make_ca("Root B")[0]
EXPIRED = make_ca("Old Root", now=datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc), days=30)[0]
LEAF = to_pem(build_certificate(SoftwareSigner(KEY_A), "client", x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "leaf")]),
                                ec.generate_private_key(ec.SECP256R1()).public_key(), CERT_A)[0])


@pytest.fixture(params=sorted(trust_platforms.PLATFORMS))
def store(request, tmp_path, monkeypatch):
    """One OS family's layout under tmp_path, with its update tool simulated."""
    real = trust_platforms.PLATFORMS[request.param]
    platform = real._replace(anchor_dir=str(tmp_path / "anchors"), bundle=str(tmp_path / "bundle.pem"))
    monkeypatch.setitem(trust_platforms.PLATFORMS, request.param, platform)
    calls = []
    behaviour = {"rc": 0, "rebuild": True}

    def fake_run_command(self, args, **kwargs):
        calls.append(list(args))
        if behaviour["rebuild"]:
            anchors = sorted(glob.glob(os.path.join(platform.anchor_dir, "*" + platform.extension)))
            with open(platform.bundle, "w") as handle:
                handle.write("".join(open(path).read() for path in anchors))
        return behaviour["rc"], "", "simulated failure" if behaviour["rc"] else ""
    monkeypatch.setattr(AnsibleModule, "run_command", fake_run_command)
    return dict(family=request.param, platform=platform, real=real, calls=calls, behaviour=behaviour)


def anchor(module_runner, store, check_mode=False, **args):
    return module_runner(trust_anchor, dict(args, platform=store["family"], _ansible_diff=True), check_mode=check_mode)


def anchor_files(store):
    return sorted(glob.glob(os.path.join(store["platform"].anchor_dir, "*")))


def test_add_is_idempotent_and_updates_once(module_runner, store):
    first = anchor(module_runner, store, name="corp", certificate=ROOT_A + ROOT_B)
    assert first["changed"] is True and len(first["added"]) == 2
    assert store["calls"] == [store["real"].update_command]
    files = anchor_files(store)
    assert len(files) == 2 and all(path.endswith(store["platform"].extension) for path in files)
    assert all(oct(os.stat(path).st_mode & 0o777) == "0o644" for path in files)
    second = anchor(module_runner, store, name="corp", certificate=ROOT_A + ROOT_B)
    assert second["changed"] is False and store["calls"] == [store["real"].update_command]
    assert "Root A" in first["diff"]["after"] and first["diff"]["before"] == ""


def test_check_mode_writes_nothing(module_runner, store):
    result = anchor(module_runner, store, check_mode=True, name="corp", certificate=ROOT_A)
    assert result["changed"] is True and result["added"]
    assert anchor_files(store) == [] and store["calls"] == []


def test_group_is_exact_and_removal_uses_the_removal_command(module_runner, store):
    anchor(module_runner, store, name="corp", certificate=ROOT_A + ROOT_B)
    rotated = anchor(module_runner, store, name="corp", certificate=ROOT_B)
    assert len(rotated["removed"]) == 1 and rotated["added"] == []
    assert store["calls"][-1] == store["real"].removal_command
    bundle = open(store["platform"].bundle).read()
    assert ROOT_A not in bundle and ROOT_B in bundle
    removed = anchor(module_runner, store, name="corp", state="absent")
    assert removed["changed"] is True and anchor_files(store) == []
    assert anchor(module_runner, store, name="corp", state="absent")["changed"] is False


def test_other_groups_are_left_alone(module_runner, store):
    anchor(module_runner, store, name="corp", certificate=ROOT_A)
    anchor(module_runner, store, name="partner", certificate=ROOT_B)
    anchor(module_runner, store, name="corp", state="absent")
    remaining = anchor_files(store)
    assert len(remaining) == 1 and os.path.basename(remaining[0]).startswith("partner-")


@pytest.mark.parametrize("certificate, message", [
    (LEAF, "is not a CA certificate"),
    (EXPIRED, "expired on 2020-01-31"),
    ("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", "does not parse as PEM certificates"),
])
def test_unusable_certificates_are_refused_before_writing(module_runner, store, certificate, message):
    result = anchor(module_runner, store, name="corp", certificate=ROOT_A + certificate)
    assert result["failed"] and message in result["msg"]
    assert anchor_files(store) == [] and store["calls"] == []


def test_failed_update_puts_the_files_back(module_runner, store):
    anchor(module_runner, store, name="corp", certificate=ROOT_A)
    before = {path: open(path).read() for path in anchor_files(store)}
    store["behaviour"]["rc"] = 1
    result = anchor(module_runner, store, name="corp", certificate=ROOT_B)
    assert result["failed"] and "simulated failure" in result["msg"] and "put back" in result["msg"]
    assert {path: open(path).read() for path in anchor_files(store)} == before


def test_bundle_not_rebuilt_is_an_error(module_runner, store):
    store["behaviour"]["rebuild"] = False
    result = anchor(module_runner, store, name="corp", certificate=ROOT_A)
    assert result["failed"] and "did not rebuild" in result["msg"]


def test_bad_group_name_is_refused(module_runner, store):
    result = anchor(module_runner, store, name="../etc", certificate=ROOT_A)
    assert result["failed"] and "may hold only letters" in result["msg"]


def test_bundle_orders_deduplicates_and_is_idempotent(module_runner, tmp_path):
    path = str(tmp_path / "app" / "ca.pem")
    args = dict(path=path, certificates=[ROOT_B, ROOT_A + ROOT_B], mode="0640", _ansible_diff=True)
    first = module_runner(trust_bundle, args)
    assert first["changed"] is True
    assert open(path).read() == ROOT_B + ROOT_A
    assert oct(os.stat(path).st_mode & 0o777) == "0o640"
    assert [c["subject"] for c in first["certificates"]] == ["CN=Root B", "CN=Root A"]
    assert module_runner(trust_bundle, args)["changed"] is False
    assert module_runner(trust_bundle, dict(args, mode="0644"))["changed"] is True


def test_bundle_refuses_non_ca_and_check_mode_writes_nothing(module_runner, tmp_path):
    path = str(tmp_path / "ca.pem")
    refused = module_runner(trust_bundle, dict(path=path, certificates=[ROOT_A, LEAF]))
    assert refused["failed"] and "is not a CA certificate" in refused["msg"] and not os.path.exists(path)
    planned = module_runner(trust_bundle, dict(path=path, certificates=[ROOT_A]), check_mode=True)
    assert planned["changed"] is True and not os.path.exists(path)
    module_runner(trust_bundle, dict(path=path, certificates=[ROOT_A]))
    assert module_runner(trust_bundle, dict(path=path, state="absent"))["changed"] is True
    assert not os.path.exists(path)


def whole_store(module_runner, store, anchors=(), bundles=(), check_mode=False):
    return module_runner(trust_store, dict(anchors=list(anchors), bundles=list(bundles), platform=store["family"],
                                           _ansible_diff=True), check_mode=check_mode)


def test_store_does_every_group_and_bundle_in_one_run_and_one_update(module_runner, store, tmp_path):
    anchors = [dict(name="corp", certificate=ROOT_A), dict(name="partner", certificate=ROOT_B)]
    bundles = [dict(path=str(tmp_path / "nginx" / "clients.pem"), certificates=[ROOT_A], mode="0640"),
               dict(path=str(tmp_path / "apache" / "clients.pem"), certificates=[ROOT_B, ROOT_A])]
    first = whole_store(module_runner, store, anchors, bundles)
    assert first["changed"] is True and store["calls"] == [store["real"].update_command]
    assert [group["name"] for group in first["anchors"]] == ["corp", "partner"]
    assert len(anchor_files(store)) == 2 and len(first["diff"]) == 4
    assert open(bundles[1]["path"]).read() == ROOT_B + ROOT_A
    assert oct(os.stat(bundles[0]["path"]).st_mode & 0o777) == "0o640"
    second = whole_store(module_runner, store, anchors, bundles)
    assert second["changed"] is False and second["diff"] == [] and len(store["calls"]) == 1
    assert [bundle["changed"] for bundle in second["bundles"]] == [False, False]


def test_store_removal_and_addition_rebuild_once_with_the_removal_command(module_runner, store):
    whole_store(module_runner, store, [dict(name="corp", certificate=ROOT_A)])
    result = whole_store(module_runner, store, [dict(name="corp", state="absent"),
                                                dict(name="partner", certificate=ROOT_B)])
    assert [group["changed"] for group in result["anchors"]] == [True, True]
    assert store["calls"][1:] == [store["real"].removal_command]
    bundle = open(store["platform"].bundle).read()
    assert ROOT_A not in bundle and ROOT_B in bundle


def test_store_refuses_everything_when_one_bundle_is_bad(module_runner, store, tmp_path):
    good, bad = str(tmp_path / "good.pem"), str(tmp_path / "bad.pem")
    result = whole_store(module_runner, store, [dict(name="corp", certificate=ROOT_A)],
                         [dict(path=good, certificates=[ROOT_B]), dict(path=bad, certificates=[LEAF])])
    assert result["failed"] and "is not a CA certificate" in result["msg"]
    assert anchor_files(store) == [] and store["calls"] == [] and not os.path.exists(good)


@pytest.mark.parametrize("anchors, bundles, message", [
    ([dict(name="corp", certificate=ROOT_A), dict(name="corp", certificate=ROOT_B)], [],
     "anchor group corp is declared twice"),
    ([dict(name="corp/../x", certificate=ROOT_A)], [], "anchor group name 'corp/../x' may hold only"),
    ([dict(name="corp")], [], "anchor group corp: state=present needs certificate"),
    ([], [dict(path="/tmp/certfleet-twice.pem", certificates=[ROOT_A])] * 2, "bundle /tmp/certfleet-twice.pem is declared twice"),
])
def test_store_names_the_declaration_it_refuses(module_runner, store, anchors, bundles, message):
    result = whole_store(module_runner, store, anchors, bundles)
    assert result["failed"] and message in result["msg"]
    assert anchor_files(store) == [] and not os.path.exists("/tmp/certfleet-twice.pem")


def test_store_failed_update_puts_every_group_back_and_writes_no_bundle(module_runner, store, tmp_path):
    whole_store(module_runner, store, [dict(name="corp", certificate=ROOT_A)])
    before = {path: open(path).read() for path in anchor_files(store)}
    store["behaviour"]["rc"] = 1
    bundle = str(tmp_path / "clients.pem")
    result = whole_store(module_runner, store, [dict(name="corp", certificate=ROOT_B), dict(name="partner", certificate=ROOT_A)],
                         [dict(path=bundle, certificates=[ROOT_A])])
    assert result["failed"] and "put back" in result["msg"]
    assert {path: open(path).read() for path in anchor_files(store)} == before and not os.path.exists(bundle)


def test_store_check_mode_writes_nothing(module_runner, store, tmp_path):
    bundle = str(tmp_path / "clients.pem")
    result = whole_store(module_runner, store, [dict(name="corp", certificate=ROOT_A)],
                         [dict(path=bundle, certificates=[ROOT_A])], check_mode=True)
    assert result["changed"] is True and result["anchors"][0]["added"] and len(result["diff"]) == 2
    assert anchor_files(store) == [] and store["calls"] == [] and not os.path.exists(bundle)


def test_store_with_bundles_only_does_not_need_a_known_os(module_runner, tmp_path, monkeypatch):
    os_release = tmp_path / "os-release"
    os_release.write_text("ID=plan9\n")
    monkeypatch.setattr(trust_anchors, "OS_RELEASE", str(os_release))
    bundle = str(tmp_path / "clients.pem")
    result = module_runner(trust_store, dict(bundles=[dict(path=bundle, certificates=[ROOT_A])]))
    assert result["changed"] is True and result["platform"] == "" and open(bundle).read() == ROOT_A
    refused = module_runner(trust_store, dict(anchors=[dict(name="corp", certificate=ROOT_A)]))
    assert refused["failed"] and "no known trust store layout" in refused["msg"]
