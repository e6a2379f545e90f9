"""CSV uploads on the Data page: each file is read or rejected with a
message, a rejected one leaves the previous dataset in use, nothing raises.

The fuzz test uploads files that hypothesis generates, one after another, in
one AppTest session: CSV in many shapes (headers in any case, extra or only
other columns, quoted fields, ``;`` and tab delimiters, decimal commas,
thousands separators, scientific notation, a byte order mark, CRLF, blank and
comment lines, huge numbers, NaN and inf, empty cells, a constant x, one row,
duplicated rows, very long lines), raw bytes, invalid UTF-8, UTF-16 and empty
files. The app's outcome must be the one ``lrcore.read_csv`` gives for the
same bytes: the points it reads, or its ``DataError`` shown with the file's
name. Each file has a name of its own, so a message or a dataset left over
from an earlier file cannot pass for this one's.
"""

import codecs
import itertools

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import lrcore
from app_helpers import all_numbers_finite, charts, open_page, texts
from ui import controls

DATA_PAGE = "pages/1_Data.py"
FIRST = ("first.csv", b"x,y\n0,1\n1,3\n2,5\n")
NAMES = itertools.count()


def upload(at, name, content):
    at.file_uploader(key="data_upload").set_value((name, content, "text/csv")).run()
    return at


def points_shown(at):
    return {m.label: m.value for m in at.get("metric")}["Points n"]


def in_use(at):
    """The uploaded dataset in use: {"name", "data"}, None before the first."""
    return at.session_state.get(controls.UPLOAD)


def check_upload(at, name, content):
    """Upload ``content`` as ``name`` and check the page against read_csv."""
    before = in_use(at)
    try:
        expected, reason = lrcore.read_csv(content), None
    except lrcore.DataError as error:
        expected, reason = None, str(error)
    upload(at, name, content)
    assert not at.exception, [e.value for e in at.exception]
    shown = texts(at)
    assert "Traceback" not in shown
    for chart in charts(at):
        assert all_numbers_finite(chart)
    errors = [e.value for e in at.error]
    now = in_use(at)
    if expected is not None:  # read: the page works on the new points
        assert now["name"] == name and now["data"].fingerprint == expected.fingerprint
        assert at.session_state[controls.SOURCE] == controls.UPLOADED
        assert points_shown(at) == f"{expected.n:,}"
        assert f"Using {controls.plain(name)}: {expected.n:,} points" in shown
        assert not any("was not used" in e for e in errors), errors
    else:  # rejected: said so, with the reader's reason, and the previous points kept
        assert f"**{controls.plain(name)}** was not used: {controls.plain(reason)}" in errors, errors
        assert now["name"] == before["name"] and now["data"].fingerprint == before["data"].fingerprint
        assert points_shown(at) == f"{before['data'].n:,}"
        assert f"Using {controls.plain(before['name'])}: {before['data'].n:,} points" in shown
    return expected


@pytest.fixture(scope="module")
def data_page():
    at = open_page(DATA_PAGE)
    assert check_upload(at, *FIRST) is not None
    return at


# --- generated files ----------------------------------------------------------------------

#: The numbers in a table's cells, and the ways people write them (see ``spell``).
VALUES = st.one_of(st.integers(-10**6, 10**6), st.floats(-1e6, 1e6), st.floats(-1e150, 1e150))
SPELLINGS = st.sampled_from(["{!r}", "{:g}", "{:.3e}", "{:.10f}", " {!r} ", "+{!r}", '"{!r}"'])
#: Cells that are not a finite number, or not one the reader accepts.
BAD_CELLS = st.sampled_from(["", " ", "nan", "NaN", "-nan", "inf", "-Infinity", "#N/A", "#DIV/0!", "NULL", "None",
                             "abc", "x", "1e309", "-1e309", "1e308", "1,234.5", "1.234,5", "1 234", "0x1A", "1_000",
                             "--1", "1e", "١٢", "５", "9" * 400, '"1.5', "1.5.2", "½"])
HEADERS = st.sampled_from([None, None, ("x", "y"), ("X", "Y"), (" x ", "Y "), ("y", "x"), ("x", "y", "z"),
                           ("id", "x", "y"), ("a", "b"), ("time", "distance", "note"), ("X", "x", "Y"), ("é", "ü"),
                           ('"x"', '"y"'), ("x",)])
DEFECTS = st.sampled_from([None] * 6 + ["bad cell", "bad cell", "constant x", "one row", "only a header", "ragged",
                                         "single column", "long line", "comment", "huge", "not utf-8"])


def spell(value, spelling, decimal):
    """``value`` written with ``spelling``, with a decimal comma if ``decimal`` is ","."""
    text = spelling.format(float(value) if "e" in spelling or "f" in spelling else value).replace("+-", "-")
    return text.replace(".", ",") if decimal == "," else text


@st.composite
def table_csv(draw):
    """A table of points as people save one, in one of many shapes, with at
    most one defect that the reader should name."""
    delimiter = draw(st.sampled_from([",", ",", ";", "\t"]))
    decimal = "," if delimiter != "," and draw(st.booleans()) else "."
    header = draw(HEADERS)
    width = max(2, len(header or ())) if draw(st.integers(0, 3)) else draw(st.integers(2, 4))
    rows = draw(st.lists(st.lists(st.tuples(VALUES, SPELLINGS), min_size=width, max_size=width),
                         min_size=2, max_size=30))
    rows = [[spell(value, spelling, decimal) for value, spelling in row] for row in rows]
    if draw(st.booleans()):  # duplicated rows
        rows += rows[: draw(st.integers(1, len(rows)))]
    defect = draw(DEFECTS)
    if defect == "bad cell":
        row, col = draw(st.integers(0, len(rows) - 1)), draw(st.integers(0, width - 1))
        rows[row][col] = draw(BAD_CELLS)
    elif defect == "constant x":
        rows = [[rows[0][0], *row[1:]] for row in rows]
    elif defect == "one row":
        rows = rows[:1]
    elif defect == "only a header":
        rows, header = [], header or ("x", "y")
    elif defect == "ragged":
        rows[draw(st.integers(0, len(rows) - 1))] = rows[0][:1]
    elif defect == "single column":
        rows = [row[:1] for row in rows]
    elif defect == "huge":
        rows[draw(st.integers(0, len(rows) - 1))][draw(st.integers(0, 1))] = draw(st.sampled_from(["1e200", "-1e300"]))
    lines = [delimiter.join(row) for row in rows]
    if header is not None:
        lines.insert(0, delimiter.join(header))
    if defect == "comment":
        lines.insert(draw(st.integers(0, len(lines))), "# measured on Monday")
    if defect == "long line":  # over, or just under, the reader's 100 kB line limit
        lines.insert(draw(st.integers(0, len(lines))), "1" + delimiter + "9" * draw(st.sampled_from([99_990, 100_001])))
    for _ in range(draw(st.integers(0, 2))):  # blank lines, and a spreadsheet's empty rows
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(["", " ", delimiter * (width - 1)])))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(lines) + draw(st.sampled_from(["", newline, newline * 3]))
    if draw(st.booleans()):
        text = "\ufeff" + text  # a byte order mark, as Excel writes one
    if defect == "not utf-8":
        return text.encode(draw(st.sampled_from(["utf-16", "utf-16-le", "utf-32", "cp1252"])), "replace")
    return text.encode("utf-8")


FILES = st.one_of(
    table_csv(),
    table_csv(),
    table_csv(),
    table_csv(),
    st.binary(max_size=2_000),  # binary, invalid UTF-8
    st.text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass")),  # any text, NUL and surrogates too
    st.text(alphabet="0123456789.,;-+e\n\r\t \"x", max_size=300).map(str.encode),  # almost CSV
    st.just(b""),
    st.sampled_from([codecs.BOM_UTF8, b"\x89PNG\r\n\x1a\n", b"PK\x03\x04", b"%PDF-1.4", b"x,y\n\xff,1\n2,3\n",
                     "x,y\n1,2\n3,4\n".encode("utf-16"), b"x,y\x00\n1,2\n3,4\n"]),
)
#: Names shown as written: Markdown and HTML in them stay text.
NAME_STYLES = st.sampled_from(["{}.csv", "{}.txt", "<b>{}</b>.csv", "my_data_{}*final*.csv", "[{}](http://x).csv",
                               "`{}`.csv", "données été {}.csv", "עברית {}.csv", "😀{}.csv", "{}\u0301.CSV"])


@settings(deadline=None, max_examples=80)
@given(content=FILES, style=NAME_STYLES)
def test_csv_upload_fuzz(data_page, content, style):
    name = style.format(f"f{next(NAMES)}")
    event("read" if check_upload(data_page, name, content) is not None else "rejected")


def test_a_file_name_is_shown_as_text_not_markup(data_page):
    name = "<b>bold</b> my_data_*1*.csv"
    check_upload(data_page, name, b"x,y\n0,1\n1,3\n2,6\n")
    shown = texts(data_page)
    assert "<b>" not in shown and "my_data_*" not in shown
    check_upload(data_page, "<i>bad</i>_2.csv", b"x,y\n1,2\n")
    assert all("<i>" not in e.value for e in data_page.error)


@pytest.mark.parametrize("rows, read", [(lrcore.data.MAX_POINTS, True), (lrcore.data.MAX_POINTS + 1, False)])
def test_a_file_at_the_row_limit(data_page, rows, read):
    content = b"x,y\n" + b"".join(b"%d,%d\n" % (i, 2 * i + 1) for i in range(rows))
    expected = check_upload(data_page, f"rows{rows}.csv", content)
    assert (expected is not None) == read


def test_the_link_marks_an_upload_in_use_and_a_server_without_it_says_so():
    """An upload lives in one server's memory. The link marks that one was in
    use, so a page opened from it on a server without the file (restarted, or
    another replica behind a load balancer) says so and keeps working on
    made points, until the learner dismisses it or uploads again."""
    at = open_page(DATA_PAGE)
    assert controls.UPLOAD_MARK not in at.query_params
    upload(at, "kept.csv", FIRST[1])
    assert at.query_params[controls.UPLOAD_MARK] in ("1", ["1"])
    assert not [w for w in at.warning if w.value.startswith("The uploaded CSV is not on this server")]

    at.radio(key=controls.SOURCE).set_value(controls.MADE).run()
    assert controls.UPLOAD_MARK not in at.query_params  # made points in use: no mark

    lost = open_page(DATA_PAGE, query={controls.UPLOAD_MARK: "1", "n": "30"})
    assert not lost.exception
    warning = [w.value for w in lost.warning if w.value.startswith("The uploaded CSV is not on this server")]
    assert warning and "upload the file again" in warning[0]
    assert points_shown(lost) == "30"  # the made points of the link, still at work
    assert "30 made points" in texts(lost)
    lost.button(key="dismiss_upload_lost").click().run()
    assert controls.UPLOAD_MARK not in lost.query_params
    assert not [w for w in lost.warning if w.value.startswith("The uploaded CSV is not on this server")]

    again = open_page(DATA_PAGE, query={controls.UPLOAD_MARK: "1"})
    upload(again, "again.csv", FIRST[1])
    assert not [w for w in again.warning if w.value.startswith("The uploaded CSV is not on this server")]
    assert again.query_params[controls.UPLOAD_MARK] in ("1", ["1"])
