"""File-level parsing without a database."""

import pytest

from grassroots.spreadsheets import parsing


@pytest.mark.parametrize("cut", range(0, 8))
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encoding_is_right_when_the_first_chinese_text_straddles_the_sample_edge(tmp_path, cut, encoding):
    text = "姓名,身份证号\r\n" + "a" * (65536 - 20 - cut) + ",x\r\n" + "中文测试党支部" * 30 + ",y\r\n"
    path = tmp_path / "roster.csv"
    path.write_bytes(text.encode(encoding))
    expected = "gb18030" if encoding == "gb18030" else "utf-8-sig"
    assert parsing.csv_encoding(path) == expected
    with parsing._csv_text(path) as handle:
        assert handle.read() == text


def test_csv_encoding_of_a_short_file_ending_in_chinese(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes("姓名\r\n张三".encode("gb18030"))
    assert parsing.csv_encoding(path) == "gb18030"
    path.write_bytes("姓名\r\n张三".encode())
    assert parsing.csv_encoding(path) == "utf-8-sig"
