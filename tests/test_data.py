"""Tests of lrcore.data: Dataset, make_data, standardize and read_csv.

Expected values are small enough to check by hand, or come from a second
method (numpy's two-pass variance, data regenerated without outliers).
"""

from __future__ import annotations

import dataclasses
import io
import warnings
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrcore import data as data_module
from lrcore.data import MAX_POINTS, DataError, Dataset, make_data, read_csv, standardize

# ---------------------------------------------------------------------------
# Dataset


def test_dataset_stores_float64_copies_and_counts_points():
    data = Dataset([0, 1, 2], (1, 3, 5))
    assert data.n == 3
    assert data.x.dtype == np.float64 and data.y.dtype == np.float64
    assert data.x.tolist() == [0.0, 1.0, 2.0]
    assert data.y.tolist() == [1.0, 3.0, 5.0]
    assert data.to_frame().to_dict("list") == {"x": [0.0, 1.0, 2.0], "y": [1.0, 3.0, 5.0]}


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        ([0.0, 1.0, 2.0], [1.0, 2.0], "same length, got 3 and 2"),
        ([1.0], [2.0], "at least 2 points, got 1"),
        ([], [], "at least 2 points, got 0"),
        ([0.0, np.nan, 2.0], [1.0, 2.0, 3.0], r"x must be finite: row 2 holds .*nan"),
        ([0.0, 1.0, 2.0], [1.0, 2.0, np.inf], r"y must be finite: row 3 holds .*inf"),
        ([0.0, 1.0], [-np.inf, 2.0], r"y must be finite: row 1 holds .*-inf"),
        ([4.0, 4.0, 4.0], [1.0, 2.0, 3.0], "x is constant.*slope w is undefined"),
        ([[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]], r"x must be 1-D, got shape \(2, 2\)"),
        (1.0, 2.0, r"x must be 1-D, got shape \(\)"),
        (["a", "b"], [1.0, 2.0], "x must be real numbers"),
    ],
)
def test_dataset_rejects_data_that_cannot_be_fitted(x, y, message):
    with pytest.raises(DataError, match=message):
        Dataset(x, y)


def test_dataset_shows_a_non_finite_value_as_a_learner_would_write_it():
    with pytest.raises(DataError, match=r"row 2 holds nan$"):
        Dataset([0.0, np.nan, 2.0], [1.0, 2.0, 3.0])


def test_dataset_rejects_more_than_max_points():
    x = np.arange(MAX_POINTS + 1, dtype=np.float64)
    with pytest.raises(DataError, match="at most 1,000,000 points"):
        Dataset(x, x)


def test_dataset_arrays_are_read_only_and_the_dataset_frozen():
    data = Dataset([0.0, 1.0], [1.0, 3.0])
    assert not data.x.flags.writeable and not data.y.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        data.x[0] = 5.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.x = np.array([5.0, 6.0])  # type: ignore[misc]


def test_dataset_does_not_mutate_or_keep_its_inputs():
    x = np.array([3.0, 1.0, 2.0])
    y = np.array([7.0, 3.0, 5.0])
    data = Dataset(x, y)
    assert x.flags.writeable and y.flags.writeable
    assert x.tolist() == [3.0, 1.0, 2.0] and y.tolist() == [7.0, 3.0, 5.0]
    x[0] = 100.0  # the caller's array stays the caller's
    assert data.x.tolist() == [3.0, 1.0, 2.0]


def test_dataset_equality_and_hash_follow_the_values():
    a = Dataset([0, 1], [1, 3])
    b = Dataset(np.array([0.0, 1.0]), (1.0, 3.0))
    assert a == b and hash(a) == hash(b) and a.fingerprint == b.fingerprint
    assert {a: "first"}[b] == "first"
    assert a != Dataset([0, 1], [1, 4])
    assert a != Dataset([1, 0], [3, 1])  # the same points in another order
    assert a != "Dataset"
    assert len({a, b, Dataset([0, 1], [1, 4])}) == 2


def test_moments_by_hand():
    # mean x = 1, mean y = 3; dx = (-1, 0, 1), dy = (-2, 0, 2)
    m = Dataset([0.0, 1.0, 2.0], [1.0, 3.0, 5.0]).moments
    assert m.mean_x == 1.0 and m.mean_y == 3.0
    assert m.var_x == pytest.approx(2 / 3, rel=1e-15)
    assert m.cov_xy == pytest.approx(4 / 3, rel=1e-15)
    assert m.var_y == pytest.approx(8 / 3, rel=1e-15)


def test_moments_equal_numpys_two_pass_values():
    rng = np.random.default_rng(11)
    x = rng.normal(3.0, 2.0, 5000)
    y = -1.5 * x + rng.normal(0.0, 0.5, 5000)
    m = Dataset(x, y).moments
    assert m.mean_x == pytest.approx(np.mean(x), rel=1e-14)
    assert m.mean_y == pytest.approx(np.mean(y), rel=1e-14)
    assert m.var_x == pytest.approx(np.var(x), rel=1e-12)
    assert m.var_y == pytest.approx(np.var(y), rel=1e-12)
    assert m.cov_xy == pytest.approx(np.cov(x, y, bias=True)[0, 1], rel=1e-12)


def test_moments_stay_accurate_for_x_around_1000():
    # x - 1000 is exact (Sterbenz), so numpy on the shifted values is the
    # reference; raw sums, mean(x*x) - mean(x)**2, are off by about 1e-9 here.
    rng = np.random.default_rng(5)
    x = 1000.0 + rng.uniform(0.0, 1.0, 10_000)
    y = 3.0 * x + rng.standard_normal(10_000)
    m = Dataset(x, y).moments
    shifted = x - 1000.0
    assert m.mean_x == pytest.approx(1000.0 + np.mean(shifted), rel=1e-15)
    assert m.var_x == pytest.approx(np.var(shifted), rel=1e-12)
    cov = np.mean((shifted - shifted.mean()) * (y - y.mean()))
    assert m.cov_xy == pytest.approx(cov, rel=1e-12)
    assert m.cov_xy / m.var_x == pytest.approx(3.0, abs=0.05)


# ---------------------------------------------------------------------------
# make_data


def test_make_data_is_deterministic_per_seed():
    a = make_data(n=100, seed=3)
    b = make_data(n=100, seed=3)
    assert a == b
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    c = make_data(n=100, seed=4)
    assert a != c and not np.array_equal(a.x, c.x)


def test_make_data_defaults():
    data = make_data()
    assert data.n == 50
    assert data.x.min() >= 0.0 and data.x.max() <= 10.0


def test_make_data_without_noise_lies_on_the_line():
    data = make_data(n=500, w=-3.0, b=2.5, noise=0.0, x_min=-4.0, x_max=6.0, seed=9)
    assert data.x.min() >= -4.0 and data.x.max() <= 6.0
    np.testing.assert_allclose(data.y, -3.0 * data.x + 2.5, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("n", "fraction", "lifted"),
    [(200, 0.1, 20), (50, 0.3, 15), (7, 0.3, 2), (5, 1.0, 5), (5, 0.5, 3), (3, 0.5, 2)],
)
def test_outliers_lift_round_fraction_times_n_points_above_the_line(n, fraction, lifted):
    # halves round up: 0.5 of 5 points lifts 3 (not Python's round-half-even 2)
    clean = make_data(n=n, w=2.0, b=1.0, noise=1.0, seed=21)
    dirty = make_data(n=n, w=2.0, b=1.0, noise=1.0, seed=21, outliers=fraction)
    assert np.array_equal(clean.x, dirty.x)  # outliers are drawn after x and the noise
    lift = dirty.y - clean.y
    assert np.count_nonzero(lift) == lifted
    # scale = |w|*(x_max - x_min)/2 + 5*noise + 1 = 2*10/2 + 5 + 1 = 16; lift in 16*[2, 4]
    assert lift[lift != 0].min() >= 32.0 and lift.max() <= 64.0
    # Without noise the lifted points are exactly those above the line.
    flat = make_data(n=n, noise=0.0, seed=21, outliers=fraction)
    assert np.count_nonzero(flat.y > 2.0 * flat.x + 1.0 + 1e-9) == lifted


def test_no_outliers_by_default():
    data = make_data(n=100, noise=0.0)
    np.testing.assert_allclose(data.y, 2.0 * data.x + 1.0, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 1}, r"n must be an integer in \[2, 1000000\], got 1$"),
        ({"n": 1_000_001}, r"n must be an integer in \[2, 1000000\], got 1000001$"),
        ({"n": 2.5}, r"n must be an integer in \[2, 1000000\], got 2\.5$"),
        ({"n": True}, r"n must be an integer in \[2, 1000000\], got True$"),
        ({"noise": -1}, r"noise must be a finite real number >= 0, got -1$"),
        ({"x_min": 5.0, "x_max": 5.0}, r"x_min must be < x_max, got x_min=5\.0, x_max=5\.0"),
        ({"x_min": 6.0, "x_max": 5.0}, r"x_min must be < x_max"),
        ({"outliers": 1.5}, r"outliers must be a real number in \[0, 1\], got 1\.5$"),
        ({"outliers": -0.1}, r"outliers must be a real number in \[0, 1\], got -0\.1$"),
        ({"seed": -1}, r"seed must be an integer >= 0, got -1$"),
        ({"w": float("nan")}, r"w must be a finite real number, got nan$"),
        ({"b": float("nan")}, r"b must be a finite real number, got nan$"),
        ({"noise": float("nan")}, r"noise must be a finite real number >= 0, got nan$"),
        ({"x_min": float("nan")}, r"x_min must be a finite real number, got nan$"),
        ({"x_max": float("inf")}, r"x_max must be a finite real number, got inf$"),
        ({"outliers": float("nan")}, r"outliers must be a real number in \[0, 1\], got nan$"),
        ({"w": "two"}, r"w must be a finite real number, got 'two'$"),
        ({"noise": "1.0"}, r"noise must be a finite real number >= 0, got '1\.0'$"),
    ],
)
def test_make_data_names_each_bad_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_data(**kwargs)


# ---------------------------------------------------------------------------
# standardize


def test_standardize_by_hand():
    data = standardize(Dataset([0.0, 2.0], [5.0, 6.0]))  # mean 1, std 1
    assert data.x.tolist() == [-1.0, 1.0]
    assert data.y.tolist() == [5.0, 6.0]


def test_standardize_scales_x_to_mean_0_and_population_std_1():
    original = make_data(n=300, x_min=1000.0, x_max=1010.0, seed=2)
    x_before = original.x.copy()
    data = standardize(original)
    assert abs(np.mean(data.x)) < 1e-12
    assert np.std(data.x, ddof=0) == pytest.approx(1.0, abs=1e-12)
    assert np.array_equal(data.y, original.y)
    assert np.array_equal(original.x, x_before)  # the input is unchanged
    np.testing.assert_allclose(
        data.x, (x_before - x_before.mean()) / x_before.std(), rtol=0, atol=1e-9
    )
    again = standardize(data)
    np.testing.assert_allclose(again.x, data.x, rtol=0, atol=1e-12)
    assert np.array_equal(again.y, data.y)


# ---------------------------------------------------------------------------
# read_csv: what it accepts


ACCEPTED = [
    # (id, content, x, y)
    ("header", b"x,y\n0,1\n1,3\n2,5\n", [0, 1, 2], [1, 3, 5]),
    ("no-header", b"0,1\n1,3\n", [0, 1], [1, 3]),
    ("semicolon-decimal-comma", b"x;y\n1,5;2,7\n2,5;-3,25\n", [1.5, 2.5], [2.7, -3.25]),
    ("semicolon-decimal-point", b"x;y\n1.5;2.7\n2.5;3\n", [1.5, 2.5], [2.7, 3.0]),
    ("semicolon-integers-then-commas", b"1;2\n3;4,5\n", [1, 3], [2, 4.5]),
    ("tab", b"a\tb\n1\t2\n3\t4\n", [1, 3], [2, 4]),
    ("tab-decimal-comma", b"x\ty\n0,5\t1\n1,5\t2\n", [0.5, 1.5], [1, 2]),
    ("named-any-case", b"id, y ,X,note\n1,10,0,a\n2,20,1,b\n", [0, 1], [10, 20]),
    ("named-swapped", b"Y,X\n5,1\n7,2\n", [1, 2], [5, 7]),
    ("first-two-numeric", b"name,a,b,c\nfoo,1,2,3\nbar,4,5,6\n", [1, 4], [2, 5]),
    ("quoted", b'"x","y"\n"1.5","2"\n"2.5", "3"\n', [1.5, 2.5], [2, 3]),
    ("bom-crlf", b"\xef\xbb\xbfx,y\r\n1,2\r\n3,4\r\n\r\n\r\n", [1, 3], [2, 4]),
    ("old-mac", b"x,y\r1,2\r3,4\r", [1, 3], [2, 4]),
    ("blank-end", b"x,y\n1,2\n3,4\n\n\n  \n", [1, 3], [2, 4]),
    ("empty-cells-end", b"x,y\n1,2\n3,4\n,\n,\n", [1, 3], [2, 4]),
    ("blank-rows", b"\n\nx,y\n1,2\n\n3,4\n", [1, 3], [2, 4]),
    ("empty-cells-row", b"x,y\n1,2\n,\n3,4\n", [1, 3], [2, 4]),
    ("spaces", b"x,y\n 1 , 2 \n3\t,4\n", [1, 3], [2, 4]),
    ("ragged", b"x,y,z\n1,2\n3,4,5,6\n", [1, 3], [2, 4]),
    ("number-forms", b"x,y\n+1,.5\n-2.,1e3\n3E-2,-0\n", [1, -2, 0.03], [0.5, 1000, 0]),
    ("exact", b"x,y\n0.1,0.2\n0.3,1e-310\n", [0.1, 0.3], [0.2, 1e-310]),
    ("quoted-newline", b'x,y,note\n1,2,"a\nb"\n3,4,c\n', [1, 3], [2, 4]),
    ("utf8-text", "x,y,Ort\n1,2,K\u00f6ln\n3,4,\u6771\u4eac\n".encode(), [1, 3], [2, 4]),
]


@pytest.mark.parametrize(
    ("content", "x", "y"), [pytest.param(c, x, y, id=name) for name, c, x, y in ACCEPTED]
)
def test_read_csv_accepts(content, x, y):
    data = read_csv(content)
    assert data.x.tolist() == [float(v) for v in x]
    assert data.y.tolist() == [float(v) for v in y]


class UploadedFile(io.BytesIO):
    """Like Streamlit's: a BytesIO with a size, maybe already read."""

    def __init__(self, content: bytes) -> None:
        super().__init__(content)
        self.size = len(content)


def test_read_csv_reads_paths_and_file_objects(tmp_path):
    content = b"x,y\n0,1\n1,3\n2,5\n"
    expected = Dataset([0, 1, 2], [1, 3, 5])
    path = tmp_path / "points.csv"
    path.write_bytes(content)
    assert read_csv(path) == expected
    assert read_csv(str(path)) == expected
    assert read_csv(bytearray(content)) == expected
    assert read_csv(memoryview(content)) == expected
    assert read_csv(io.StringIO(content.decode())) == expected
    assert read_csv(io.StringIO("\ufeff" + content.decode())) == expected
    with open(path, "rb") as file:
        assert read_csv(file) == expected
    with open(path, encoding="utf-8") as file:
        assert read_csv(file) == expected
    upload = UploadedFile(content)
    assert read_csv(upload) == expected
    assert upload.read() == content  # the position is left alone
    assert read_csv(upload) == expected  # read again on a rerun, position at the end


def test_read_csv_opens_files_only_to_read_them(tmp_path):
    path = tmp_path / "points.csv"
    path.write_bytes(b"x,y\n0,1\n1,3\n")
    modes = []
    real_open = open

    def watching_open(file, mode="r", *args, **kwargs):
        modes.append(mode)
        return real_open(file, mode, *args, **kwargs)

    with mock.patch("builtins.open", watching_open):
        read_csv(path)
        read_csv(b"x,y\n0,1\n1,3\n")
    assert modes == ["rb"]


def test_read_csv_reads_a_million_rows_and_not_one_more():
    rows = b"\n".join(b"%d,%d" % (i, 2 * i + 1) for i in range(MAX_POINTS))
    data = read_csv(b"x,y\n" + rows + b"\n")
    assert data.n == MAX_POINTS
    assert data.x[-1] == 999_999.0 and data.y[-1] == 1_999_999.0
    assert data.moments.cov_xy / data.moments.var_x == pytest.approx(2.0, rel=1e-12)
    with pytest.raises(DataError, match="1,000,001 data rows; at most 1,000,000"):
        read_csv(b"x,y\n" + rows + b"\n5,11\n")


# ---------------------------------------------------------------------------
# read_csv: what it rejects, and how it says so


REJECTED = [
    # (id, content, what the message must say)
    ("empty", b"", "the file is empty"),
    ("blank", b"\n\r\n  \n", "the file is empty"),
    ("header-only", b"x,y\n", r"only a header row \('x', 'y'\) and no data"),
    ("header-blank-rows", b"x,y\n\n,\n", "only a header row"),
    ("one-row", b"x,y\n1,2\n", "1 row of data; a line needs at least 2 points"),
    ("one-row-no-header", b"1,2\n", "1 row of data"),
    ("text", b"x,y\n1,2\n3,abc\n", r"row 3, column 2 \('y'\): 'abc' is not a number"),
    ("text-no-header", b"1,2\n3,abc\n", r"row 2, column 2: 'abc' is not a number"),
    ("text-in-row-1", b"1,abc\n2,3\n4,5\n", r"row 1, column 2: 'abc' is not a number"),
    ("blank-rows-count", b"x,y\n1,2\n\n\n3,abc\n", "row 5, column 2"),
    ("rows-as-in-a-spreadsheet", b'x,y,note\n1,2,"a\nb"\n3,abc,c\n', "row 3, column 2"),
    ("formula", b"x,y\n1,2\n3,=1+1\n", r"'=1\+1' is not a number"),
    ("code", b"x,y\n1,2\n3,eval(4)\n", r"'eval\(4\)' is not a number"),
    ("underscore", b"x,y\n1,2\n3,1_000\n", "'1_000' is not a number"),
    ("hex", b"x,y\n1,2\n0x1F,4\n", r"row 3, column 1 \('x'\): '0x1F' is not a number"),
    ("empty-y", b"x,y\n1,2\n3,\n", r"row 3, column 2 \('y'\) is empty"),
    ("empty-x", b"x,y\n1,2\n,4\n", r"row 3, column 1 \('x'\) is empty"),
    ("short-row", b"x,y\n1,2\n3\n4,5\n", r"row 3 has only 1 column, so column 2 \('y'\) is"),
    ("nan", b"x,y\n1,2\n3,nan\n", r"row 3, column 2 \('y'\) holds 'nan', a missing value"),
    ("na", b"x,y\n1,2\n3,NA\n", r"row 3, column 2 \('y'\) holds 'NA', a missing value"),
    ("inf", b"x,y\n1,2\n-inf,4\n", r"row 3, column 1 \('x'\) holds '-inf', which is not a finite"),
    ("overflow", b"x,y\n1,2\n3,1e400\n", r"row 3, column 2 \('y'\) holds '1e400', which is too"),
    ("excel-error", b"x,y\n1,2\n3,#DIV/0!\n", r"row 3, column 2 \('y'\) holds '#DIV/0!', a"),
    (
        "mixed-decimal-marks",
        b"x;y\n1,5;2\n2.5;3\n",
        r"row 3, column 1 \('x'\): '2\.5' has a decimal point, but row 2 has a decimal comma",
    ),
    (
        "decimal-comma-in-comma-file",
        b'x,y\n1,"2,5"\n',
        r"row 2, column 2 \('y'\): '2,5' is not a number \(a decimal comma\?",
    ),
    ("squares-overflow", b"x,y\n1e300,1\n-1e300,2\n", "too large"),
    ("one-column", b"x\n1\n2\n", "every row has a single column"),
    ("space-separated", b"x y\n1 2\n3 4\n", "every row has a single column"),
    (
        "one-numeric-column",
        b"name,val\na,1\nb,2\n",
        r"two columns of numbers, x and y, but found only column 2 \('val'\) among 2 columns; "
        r"column 1 \('name'\) holds text such as 'a'",
    ),
    ("no-numeric-column", b"a,b\nfoo,bar\nbaz,qux\n", "x and y, but found none"),
    ("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", r"not a UTF-8 text file \(it looks like a PNG"),
    ("xlsx", b"PK\x03\x04\x14\x00\x06\x00", r"not a UTF-8 text file \(it looks like a zip archive"),
    ("latin-1", "x,y\n1,2\n3,\u00e9\n".encode("latin-1"), r"file \(row 3 holds the byte 0xE9,"),
    ("utf-16", "x,y\n1,2\n".encode("utf-16"), r"not a UTF-8 text file \(it looks like UTF-16"),
    ("nul", b"x,y\n1,2\x00\n3,4\n", r"not a UTF-8 text file \(it holds NUL characters"),
    ("bom-inside", "x,y\n\ufeff1,2\n3,4\n".encode(), r"row 2, column 1 \('x'\): '\\ufeff1'"),
]


@pytest.mark.parametrize(
    ("content", "message"), [pytest.param(c, m, id=name) for name, c, m in REJECTED]
)
def test_read_csv_rejects_with_a_message_naming_the_place(content, message):
    with pytest.raises(DataError, match=message):
        read_csv(content)


def test_read_csv_rejects_constant_x_and_says_the_slope_is_undefined():
    with pytest.raises(
        DataError,
        match=r"column 1 \('x'\), used as x, holds 3\.0 in every row, so the slope w is undefined",
    ):
        read_csv(b"x,y\n3,4\n3,5\n3,6\n")


def test_read_csv_cuts_long_offending_text_to_30_characters():
    with pytest.raises(DataError) as caught:
        read_csv(b"x,y\n1,2\n3," + b"a" * 500 + b"\n")
    message = str(caught.value)
    assert "row 3, column 2 ('y'): '" + "a" * 27 + "...' is not a number" in message
    assert "a" * 28 not in message


def test_read_csv_rejects_long_cells_quickly():
    # A cell of 100,000 digits and a letter: the number pattern must not backtrack.
    with pytest.raises(DataError, match="is not a number"):
        read_csv(b"x,y\n1,2\n3," + b"1" * 99_000 + b"x\n")


def test_read_csv_rejects_a_line_of_many_cells_and_millions_of_lines():
    with pytest.raises(DataError, match=r"line 2 is 200,001 bytes long"):
        read_csv(b"x,y\n" + b"," * 200_000 + b"1\n1,2\n")
    with pytest.raises(DataError, match=r"the file has 2,000,003 lines"):
        read_csv(b"x,y\n" + b"\n" * 2_000_000 + b"1,2\n")


def test_read_csv_rejects_files_over_64_mb_before_reading_them(tmp_path):
    big = tmp_path / "big.csv"
    with open(big, "wb") as file:
        file.truncate(65 * 2**20)  # sparse: nothing written, the size is all there is
    with pytest.raises(DataError, match=r"65\.0 MB; at most 64 MB"):
        read_csv(big)

    class HugeUpload(UploadedFile):
        def getvalue(self):
            raise AssertionError("read although its size is known to be too large")

    upload = HugeUpload(b"x,y\n1,2\n")
    upload.size = 100 * 2**20
    with pytest.raises(DataError, match=r"100\.0 MB"):
        read_csv(upload)
    with pytest.raises(DataError, match="at most 64 MB"):
        read_csv(b"x" * (64 * 2**20 + 1))


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("/no/such/file.csv", r"there is no file '/no/such/file\.csv'"),
        ("x,y\n1,2\n3,4\n", r"a str is a path; to read CSV text, pass bytes"),
        (None, "read_csv reads a path, bytes or a file object, got NoneType"),
        (3, "got int"),
    ],
)
def test_read_csv_rejects_what_is_not_a_csv_source(source, message):
    with pytest.raises(DataError, match=message):
        read_csv(source)


def test_read_csv_rejects_a_folder(tmp_path):
    with pytest.raises(DataError, match="is a folder, not a CSV file"):
        read_csv(tmp_path)


def test_read_csv_rejects_a_closed_file():
    file = io.BytesIO(b"x,y\n1,2\n3,4\n")
    file.close()
    with pytest.raises(DataError, match="cannot read the file"):
        read_csv(file)


def test_read_csv_rejects_a_text_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("x,y\n1,2\n3,\u00e9\n".encode("latin-1"))
    with open(path, encoding="utf-8") as file:
        with pytest.raises(DataError, match="not a UTF-8 text file"):
            read_csv(file)


# ---------------------------------------------------------------------------
# read_csv: fuzz. Only a Dataset or a DataError ever comes back, no warning;
# and the fast reader (pandas) agrees with the careful one (csv module).


def _read_or_error(source):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            result = read_csv(source)
        except DataError as exc:
            assert str(exc)  # a message, always
            return exc
    assert isinstance(result, Dataset)
    assert 2 <= result.n <= MAX_POINTS
    assert np.isfinite(result.x).all() and np.isfinite(result.y).all()
    return result


_NUMBERS = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.floats(-1e4, 1e4).map(lambda v: f"{v:.3f}"),
    st.floats(-1e4, 1e4).map(lambda v: f"{v:.2f}".replace(".", ",")),
    st.floats(-1e4, 1e4).map(lambda v: f" {v:.4e}"),
    st.floats(-1e4, 1e4).map(lambda v: f'"{v!r}"'),
)
_CELLS = st.one_of(
    _NUMBERS,
    st.sampled_from(
        ["", " ", "nan", "NA", "inf", "-inf", "1e400", "x", "y", "X", " y ", "abc",
         "#DIV/0!", '"1.5"', '" 2 "', '"3,5"', "1,5", "-0", ".5", "5.", "+3", "1_0",
         "\u00a01", "\u0661", "\ufeff1", '"', '""', "1e", "\t7"]
    ),
)


@st.composite
def _csv_texts(draw):
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    width = draw(st.integers(1, 4))
    cells = _NUMBERS if draw(st.booleans()) else _CELLS  # mostly readable, or anything
    rows = draw(st.lists(st.lists(cells, min_size=width - 1, max_size=width + 1), max_size=8))
    lines = [delimiter.join(cells) for cells in rows]
    if draw(st.booleans()):
        names = st.sampled_from(["x", "y", "X", " Y ", "a", "b", ""])
        lines.insert(0, delimiter.join(draw(st.lists(names, min_size=1, max_size=4))))
    end = draw(st.sampled_from(["", newline, newline * 3, delimiter + newline]))
    text = newline.join(lines) + end
    return ("\ufeff" if draw(st.booleans()) else "") + text


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_read_csv_fuzz_arbitrary_bytes(content):
    _read_or_error(content)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_read_csv_fuzz_arbitrary_text(text):
    _read_or_error(text.encode("utf-8", "surrogatepass"))
    _read_or_error(io.StringIO(text))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_csv_texts())
def test_read_csv_fuzz_csv_like_text_fast_and_careful_readers_agree(text):
    content = text.encode("utf-8")
    fast = _read_or_error(content)
    with mock.patch.object(data_module, "_read_fast", lambda text, layout: None):
        careful = _read_or_error(content)
    if isinstance(fast, Dataset):
        assert isinstance(careful, Dataset), careful
        assert fast == careful
    else:
        assert isinstance(careful, DataError) and str(careful) == str(fast)


def test_read_csv_fast_reader_is_used_for_plain_files():
    content = b"x,y\n0,1\n1,3\n2,5\n"
    with mock.patch.object(data_module, "_read_slow", side_effect=AssertionError("slow")):
        assert read_csv(content) == Dataset([0, 1, 2], [1, 3, 5])
    # and the careful reader alone reads the same
    with mock.patch.object(data_module, "_read_fast", lambda text, layout: None):
        assert read_csv(content) == Dataset([0, 1, 2], [1, 3, 5])
    assert read_csv(b"x;y\n0;0,1\n1;0,2\n").y.tolist() == [0.1, 0.2]


@pytest.mark.parametrize(
    ("x", "y", "match"),
    [
        ([1e200, -1e200], [0.0, 1.0], "too large"),
        ([0.0, 1.0], [1e200, -1e200], "too large"),
        ([1 + 2j, 3 + 0j], [0.0, 1.0], "real numbers"),
        (["1", "2"], [0.0, 1.0], "real numbers"),
        ([0.0, 1.0], [None, 1.0], "real numbers"),
    ],
)
def test_dataset_rejects_overflow_complex_and_text_with_data_error(x, y, match):
    with pytest.raises(DataError, match=match):
        Dataset(x, y)


def test_make_data_rejects_ranges_and_lines_that_overflow():
    with pytest.raises(ValueError, match="x_max - x_min"):
        make_data(x_min=-1e308, x_max=1e308)
    with pytest.raises(ValueError, match="too large"):
        make_data(w=1e160, x_max=1e10)
