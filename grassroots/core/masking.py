"""Display masks (SECURITY.md F2): ID 4101**********1234, phone 138****1234, address to the township."""


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_text(value: str, keep: int = 6) -> str:
    """Addresses and free text: keep the first few characters (the township), hide the rest."""
    if not value:
        return ""
    return value[:keep] + ("…" if len(value) > keep else "")
