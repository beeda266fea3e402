"""Finding quotes in the source text: whitespace-insensitive, offsets into the raw file."""

from nkgraph.source import SourceText, default_text, normalize


def test_normalize_collapses_line_breaks():
    assert normalize("a \n b\t c ") == "a b c"


def test_quote_across_line_breaks_maps_to_raw_offsets():
    text = default_text()
    quote = "Hebei-based Luanhe Industrial Group, and another unnamed Chinese privately owned company took a 51% controlling interest in Hyesan Youth Copper Mine"
    [span] = text.find(quote)
    assert normalize(text.raw[span.start : span.end]) == quote
    assert text.line_of(span.start) == 156 and text.line_of(span.end - 1) == 158


def test_repeated_words_are_all_found():
    text = default_text()
    assert len(text.find("Hyesan Youth Copper Mine in Yanggang Province")) == 2


def test_find_words_respects_word_boundaries():
    text = SourceText("Komdok Mine and Komdoks")
    assert len(text.find("Komdok")) == 2
    assert len(text.find_words("Komdok")) == 1


def test_nearest_passage_for_a_misquote():
    text = default_text()
    near, line, ratio = text.nearest("Zinc production reportedly increased considerably in 2008")
    assert line == 211 and ratio > 0.9 and "2007" in near


def test_pages_known_only_between_footers():
    text = default_text()
    kramer = text.find("Kramer, D.A., 2008")[0]
    assert text.page_of(kramer.start) == "14.5"
    assert text.page_of(text.find("North Korea ranked third")[0].start) is None


def test_sha256_is_of_the_shipped_file():
    assert len(default_text().sha256) == 64
