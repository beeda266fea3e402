"""Bad data files get a message naming the file, line and column, and what to do."""

from pathlib import Path

import pytest

from nkgraph.errors import DataError
from nkgraph.loading import read_turtle


def write(tmp_path: Path, text: str | bytes, name: str = "x.ttl") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def test_syntax_error_names_line_and_column(tmp_path):
    path = write(tmp_path, '@prefix ex: <http://ex/> .\nex:a ex:b ex:c .\nex:d ex:e nope:x .\n')
    with pytest.raises(DataError) as err:
        read_turtle(path)
    assert err.value.line == 3 and err.value.column == 11  # "nope:x" starts at the 11th character
    assert "nope:" in err.value.message and err.value.hint


def test_unterminated_string(tmp_path):
    path = write(tmp_path, '@prefix ex: <http://ex/> .\nex:a ex:b "oops .\n')
    with pytest.raises(DataError) as err:
        read_turtle(path)
    assert err.value.line == 2


def test_empty_file(tmp_path):
    with pytest.raises(DataError, match="empty"):
        read_turtle(write(tmp_path, "  \n"))


def test_non_utf8_file(tmp_path):
    path = write(tmp_path, b'@prefix ex: <http://ex/> .\nex:a ex:b "caf\xe9" .\n')
    with pytest.raises(DataError, match="not UTF-8") as err:
        read_turtle(path)
    assert err.value.line == 2


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="cannot read"):
        read_turtle(tmp_path / "absent.ttl")


def test_plain_strings_stay_plain(tmp_path):
    from rdflib import Literal

    g = read_turtle(write(tmp_path, '@prefix ex: <http://ex/> .\nex:a ex:b "x" .\n'))
    assert Literal("x") in set(g.objects())
