"""Private keys written as a host would hold them (unencrypted PKCS#8 PEM)."""

from cryptography.hazmat.primitives import serialization


def write_key(tmp_path, name, key):
    path = tmp_path / name
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return str(path)
