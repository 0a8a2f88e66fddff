import pytest

from ansible_collections.certfleet.pki.plugins.module_utils._trust_platforms import (
    UnsupportedPlatform,
    detect_platform,
)

OS_RELEASES = {
    "debian 12": ('ID=debian\nVERSION_ID="12"\n', "debian"),
    "ubuntu 24.04": ('ID=ubuntu\nID_LIKE=debian\n', "debian"),
    "rhel 9": ('ID="rhel"\nID_LIKE="fedora"\n', "rhel"),
    "amazon linux 2023": ('ID="amzn"\nID_LIKE="fedora"\n', "rhel"),
    "rocky 9": ('ID="rocky"\nID_LIKE="rhel centos fedora"\n', "rhel"),
    "fedora": ("ID=fedora\n", "rhel"),
    "sles 15": ('ID="sles"\nID_LIKE="suse"\n', "suse"),
    "opensuse leap": ('ID="opensuse-leap"\nID_LIKE="suse opensuse"\n', "suse"),
    "alpine": ("ID=alpine\n", "alpine"),
    "unknown id, debian-like": ("ID=pureos\nID_LIKE=debian\n", "debian"),
}


@pytest.mark.parametrize("text, family", OS_RELEASES.values(), ids=list(OS_RELEASES))
def test_family_detection(text, family):
    assert detect_platform(text).family == family


@pytest.mark.parametrize("family, anchor_dir, update, removal", [
    ("debian", "/usr/local/share/ca-certificates", ["update-ca-certificates"], ["update-ca-certificates", "--fresh"]),
    ("rhel", "/etc/pki/ca-trust/source/anchors", ["update-ca-trust", "extract"], ["update-ca-trust", "extract"]),
    ("suse", "/etc/pki/trust/anchors", ["update-ca-certificates"], ["update-ca-certificates"]),
    ("alpine", "/usr/local/share/ca-certificates", ["update-ca-certificates"], ["update-ca-certificates", "--fresh"]),
])
def test_layouts(family, anchor_dir, update, removal):
    platform = detect_platform("ID=%s\n" % {"rhel": "rhel", "suse": "sles"}.get(family, family))
    assert (platform.anchor_dir, platform.update_command, platform.removal_command) == (anchor_dir, update, removal)


def test_unknown_os_is_named():
    with pytest.raises(UnsupportedPlatform, match="ID='plan9'"):
        detect_platform("ID=plan9\n")
