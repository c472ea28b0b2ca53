import base64

import pytest
from cryptography.hazmat.primitives import hashes

from grassroots.core import crypto


def test_sm3_known_answer():
    digest = hashes.Hash(hashes.SM3())
    digest.update(b"abc")
    assert digest.finalize().hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_encrypt_round_trip_and_random_nonce():
    a, b = crypto.encrypt("410102198005170011"), crypto.encrypt("410102198005170011")
    assert a != b
    assert "410102" not in a
    assert crypto.decrypt(a) == "410102198005170011"


def test_tampered_ciphertext_raises_integrity_alarm():
    token = crypto.encrypt("13800138000")
    key_id, _, payload = token.partition(":")
    raw = bytearray(base64.b64decode(payload))
    raw[14] ^= 0x01
    with pytest.raises(crypto.IntegrityAlarm):
        crypto.decrypt(f"{key_id}:" + base64.b64encode(bytes(raw)).decode())


def test_old_key_still_decrypts_after_rotation(settings):
    old = crypto.encrypt("secret")
    assert not crypto.needs_rotation(old)
    settings.FIELD_KEYS = "t2:" + "44" * 16 + "," + settings.FIELD_KEYS
    crypto.reset_key_cache()
    try:
        assert crypto.needs_rotation(old)
        assert crypto.decrypt(old) == "secret"
        assert crypto.encrypt("x").startswith("t2:")
    finally:
        settings.FIELD_KEYS = settings.FIELD_KEYS.split(",", 1)[1]
        crypto.reset_key_cache()


def test_blind_index_is_keyed_and_purpose_bound():
    assert crypto.blind_index("id_number", "1") == crypto.blind_index("id_number", "1")
    assert crypto.blind_index("id_number", "1") != crypto.blind_index("phone", "1")
    assert len(crypto.blind_index("phone", "1")) == 64
