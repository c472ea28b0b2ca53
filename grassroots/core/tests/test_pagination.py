from grassroots.core.pagination import decode_cursor, encode_cursor


def test_cursor_round_trip():
    assert decode_cursor(encode_cursor(("00010002", 42))) == ("00010002", 42)


def test_bad_cursor_is_ignored():
    assert decode_cursor("not-a-cursor!") is None
    assert decode_cursor(encode_cursor((1, 2, 3))) is None
