"""Field encryption at rest (SM4-GCM) and blind indexes (HMAC-SM3), SECURITY.md D2/D3.

Keys come from the environment (settings.FIELD_KEYS = "id:hex,id:hex", the first is current;
settings.INDEX_KEY = 32 bytes hex) and never from the database. A token is
"<key id>:<base64(nonce | ciphertext | tag)>", so old keys keep decrypting after a rotation.
"""

import base64
import functools
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12
TAG_BYTES = 16


class IntegrityAlarm(Exception):
    """A stored ciphertext failed its GCM tag check: the data was altered."""


@functools.cache
def _keys() -> tuple[str, dict[str, algorithms.SM4]]:
    raw = settings.FIELD_KEYS
    if not raw:
        raise ImproperlyConfigured("GRASSROOTS_FIELD_KEYS is not set (see README: keys come from the environment)")
    keys: dict[str, algorithms.SM4] = {}  # key objects built once: a roster import encrypts 300,000 values
    current = None
    for part in raw.split(","):
        key_id, _, hexkey = part.strip().partition(":")
        key = bytes.fromhex(hexkey)
        if len(key) != 16 or not key_id:
            raise ImproperlyConfigured("each field key must be id:32 hex digits (SM4 uses 128-bit keys)")
        keys[key_id] = algorithms.SM4(key)
        current = current or key_id
    return current, keys


@functools.cache
def _index_mac() -> hmac.HMAC:
    """The keyed HMAC-SM3 state; each index copies it (half the cost of keying a new one)."""
    if not settings.INDEX_KEY:
        raise ImproperlyConfigured("GRASSROOTS_INDEX_KEY is not set")
    key = bytes.fromhex(settings.INDEX_KEY)
    if len(key) < 32:
        raise ImproperlyConfigured("GRASSROOTS_INDEX_KEY must be at least 32 bytes")
    return hmac.HMAC(key, hashes.SM3())


def reset_key_cache() -> None:
    _keys.cache_clear()
    _index_mac.cache_clear()


def encrypt(plaintext: str) -> str:
    key_id, keys = _keys()
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(keys[key_id], modes.GCM(nonce)).encryptor()
    body = encryptor.update(plaintext.encode()) + encryptor.finalize()
    return f"{key_id}:" + base64.b64encode(nonce + body + encryptor.tag).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    key_id, _, payload = token.partition(":")
    _, keys = _keys()
    if key_id not in keys:
        raise ImproperlyConfigured(f"field key {key_id!r} is not configured")
    raw = base64.b64decode(payload)
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    decryptor = Cipher(keys[key_id], modes.GCM(nonce, tag)).decryptor()
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode()
    except InvalidTag as exc:
        raise IntegrityAlarm("encrypted field failed its integrity check") from exc


def needs_rotation(token: str) -> bool:
    return bool(token) and token.partition(":")[0] != _keys()[0]


def blind_index(purpose: str, value: str) -> str:
    """HMAC-SM3 of a normalized value, for equality lookups and uniqueness without plaintext."""
    mac = _index_mac().copy()
    mac.update(f"{purpose}\x00{value}".encode())
    return mac.finalize().hex()
