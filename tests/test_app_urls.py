"""Links: a good one restores the view, a bad one is clamped or ignored with
a notice, and no value a URL can carry raises.

The URL fuzz test opens 300 distinct links, 50 on each of the six pages in
PAGE_FILES, each in a fresh AppTest session, the way a browser opens a link.
Every page gets its own crafted links (its heaviest settings at once: a
million points with MAE or Huber, the most steps, runs, guesses, rates and
schedules) and a turn of the page-independent crafted ones (every bound at
once, just outside every bound, repeated keys, query strings over Streamlit's
size and field limits); the rest are drawn from a seeded generator over the
page's own settings, the shared data settings, other pages' settings and
unknown keys. Values cover wrong types, huge numbers, NaN and inf, negative
counts, empty values, repeated keys, 100 kB values and unicode (RTL marks,
emoji, combining marks, NUL), as well as valid values: in range, at each
bound, just outside each bound, choices by name or by the label the widget
shows (what the address bar carries), off-grid learning rates, and sometimes
``apply=1``.

For each link: no exception; every widget shows exactly what the link asked
for after checking (``Setting.from_url``: the clamped value, or the default
where the value is ignored); no NaN, inf or traceback in the text or the
charts; a rerun changes nothing. How long the heaviest links take is
measured by ``python -m benchmarks`` (page reruns at a million points), not
asserted here.

The edge links (``EDGE_LINKS``, about 120 more) put every number and rate
setting at the edges of floating point (subnormals, -0.0, the largest floats,
values that overflow when parsed, one ulp inside and outside each bound,
values the widget's format shows as a bound, hex, signs, blanks, separators,
other scripts' digits, ints past 2**53 and 2**63); every pair of a page's
number settings at each pair of their ends (a seeded covering array); and
hand-picked settings valid alone but not together (an empty, reversed or
unresolvable x range, n with the batch size or the outliers, no noise with
standardized x, momentum near 1 at the largest rate, a reversed range test,
schedules decayed to almost nothing, a million points with the most steps).
Besides the checks above, what a page writes from numbers has no signed zero
and every range it names ("from a to b", "between a and b") is in order, as
is every explicit scale domain of its charts.
"""

import itertools
import math
import random
import re
from urllib.parse import parse_qs, urlencode

import pytest
from streamlit.runtime.state.query_params import (
    CLIENT_STATE_QUERY_STRING_MAX_FIELDS,
    CLIENT_STATE_QUERY_STRING_MAX_LENGTH,
)

from app_helpers import HOME, PAGE_FILES, all_numbers_finite, charts, open_page, texts
from app_helpers import spec as chart_spec
from ui import controls, state

DATA_PAGE = "pages/1_Data.py"


def widget_values(at):
    """Every bound setting's widget value on the page, by key."""
    values = {}
    for kind in ("number_input", "select_slider", "toggle", "radio", "multiselect", "selectbox"):
        for widget in at.get(kind):
            if widget.key in state.ALL:
                values[widget.key] = widget.value
    return values


def in_range(key, value):
    spec = state.ALL[key]
    if spec.kind in ("int", "float"):
        return spec.low <= float(value) <= spec.high and math.isfinite(float(value))
    if spec.kind == "rate":
        return spec.low <= float(value) <= spec.high
    if spec.kind == "bool":
        return isinstance(value, bool)
    if spec.kind == "multi":
        return len(value) <= state.MAX_SCHEDULES and all(item in spec.options for item in value)
    return value in spec.options


def test_a_good_link_restores_the_view():
    query = {"n": "120", "noise": "3.5", "std": "true", "fit_lr": "0.005", "fit_steps": "300", "fit_w0": "-2"}
    at = open_page(DATA_PAGE, query=query)
    assert not at.exception
    values = widget_values(at)
    assert values["n"] == 120 and values["noise"] == 3.5 and values["std"] is True
    assert values["fit_lr"] == "0.005" and values["fit_steps"] == 300 and values["fit_w0"] == -2
    assert "adjusted" not in texts(at)


def test_a_link_with_several_schedules_restores_them_and_drops_unknown_ones():
    at = open_page("pages/4_Schedules.py", query={"sched_pick": ["cosine_decay", "nonsense", "one_cycle"]})
    assert not at.exception
    assert widget_values(at)["sched_pick"] == ["cosine_decay", "one_cycle"]
    assert "only cosine_decay, one_cycle were understood" in texts(at)


def test_a_link_with_six_schedules_restores_all_six():
    """Six is the most the page runs; their names together are longer than
    one value may be, and each is still read."""
    six = ["warmup_cosine", "reduce_on_plateau", "polynomial_decay", "inverse_time_decay", "exponential_decay",
           "multistep_decay"]
    assert len(",".join(six)) > state.MAX_URL_VALUE
    for query in ({"sched_pick": six}, {"sched_pick": ",".join(six)},
                  {"sched_pick": [state.SCHEDULE_NAMES[name] for name in six]}):
        at = open_page("pages/4_Schedules.py", query=query)
        assert not at.exception
        assert widget_values(at)["sched_pick"] == six, query
        assert "ignored" not in texts(at) and "understood" not in texts(at), query


def test_a_link_restores_every_schedule_and_choice_by_name_or_by_label():
    """The share link names options (``cosine_decay``); the address bar
    carries the labels the widgets show (``cosine``). Both restore the view,
    every pick of a list, without a notice."""
    by_name = {"sched_pick": ["constant", "cyclic", "cosine_decay"], "sched_opt": "adam", "sched_loss": "mae"}
    by_label = {"sched_pick": ["constant", "cyclic", "cosine"], "sched_opt": "Adam", "sched_loss": "MAE"}
    for query in (by_name, by_label):
        at = open_page("pages/4_Schedules.py", query=query)
        assert not at.exception
        values = widget_values(at)
        assert values["sched_pick"] == ["constant", "cyclic", "cosine_decay"], query
        assert (values["sched_opt"], values["sched_loss"]) == ("adam", "mae"), query
        assert "adjusted" not in texts(at), query
    at = open_page("pages/2_Loss_slice.py", query={"slice_param": "w (b held)", "slice_loss": "Huber"})
    assert (widget_values(at)["slice_param"], widget_values(at)["slice_loss"]) == ("w", "huber")
    assert "adjusted" not in texts(at)


def test_a_link_made_when_plain_gradient_descent_was_called_gd_still_opens():
    """The optimizer is "sgd" in the engine and the app; older links say "gd"."""
    at = open_page("pages/3_Loss_contour.py", query={"contour_opt1": "gd", "contour_opt2": "momentum"})
    assert not at.exception
    assert (widget_values(at)["contour_opt1"], widget_values(at)["contour_opt2"]) == ("sgd", "momentum")
    assert "ignored" not in texts(at)
    for key in ("sched_opt", "finder_opt"):
        assert state.ALL[key].from_url("gd") == ("sgd", None)


def test_the_address_bar_after_a_link_opens_the_same_view():
    """The link is read once and the widgets write it back in their own
    words: that address opens the same view again, with no notice."""
    query = {"n": "2.6", "seed": "0" * 70 + "7", "sched_pick": ["cyclic", "one_cycle", "constant"],
             "sched_steps": "4e3", "sched_opt": "momentum", "sched_log": "no"}
    at = open_page("pages/4_Schedules.py", query=query)
    first = widget_values(at)
    assert first["n"] == 3 and first["seed"] == 0 and first["sched_steps"] == 4000 and first["sched_log"] is False
    assert first["sched_pick"] == ["cyclic", "one_cycle", "constant"]
    again = open_page("pages/4_Schedules.py", query=dict(at.query_params))
    assert widget_values(again) == first
    assert "adjusted" not in texts(again)


def test_a_link_with_a_rate_off_the_grid_keeps_it():
    at = open_page(DATA_PAGE, query={"fit_lr": "0.0123"})
    assert widget_values(at)["fit_lr"] == "0.0123"


def test_out_of_range_values_are_clamped_with_a_notice():
    query = {"n": "5000000", "fit_steps": "1e12", "fit_lr": "-1", "noise": "-5", "x_max": "1e6"}
    at = open_page(DATA_PAGE, query=query)
    assert not at.exception
    values = widget_values(at)
    assert values["n"] == 1_000_000 and values["fit_steps"] == 5000 and values["noise"] == 0.0
    assert values["fit_lr"] == "1e-06" and values["x_max"] == 10_000.0
    shown = texts(at)
    assert "adjusted" in shown and "`n=5000000` is outside 2 to 1,000,000; using 1000000." in shown


HOSTILE = {
    "n": "1e309", "fit_steps": "inf", "seed": "999999999999", "w": "nan", "b": "x" * 100_000,
    "fit_lr": "abc", "std": "maybe", "noise": "-inf", "x_min": "", "outliers": "0x10",
    "fit_w0": "1e308", "fit_b0": "-1e-400", "unknown_key": "1",
}


@pytest.mark.parametrize("page", PAGE_FILES)
def test_hostile_values_are_ignored_or_clamped_never_raised(page):
    at = open_page(page, query=HOSTILE)
    assert not at.exception
    for key, value in widget_values(at).items():
        assert in_range(key, value), (key, value)
    assert "adjusted" in texts(at)


KILLERS = ["1e309", "-1e309", "inf", "-inf", "nan", "NaN", "999999999999", "-999999999999",
           "1e12", "-1", "0", "", " ", "abc", "1,5", "0x1f", "true", "None", "[]", "%00",
           "é" * 30, "9" * 400, "x" * 100_000, "1e-400", "2.5", "-0"]


@pytest.mark.parametrize("page", PAGE_FILES)
def test_every_killer_value_on_every_bound_key_at_once(page):
    for value in KILLERS:
        at = open_page(page, query={key: value for key in state.ALL})
        assert not at.exception, value
        for key, got in widget_values(at).items():
            assert in_range(key, got), (value, key, got)


def test_a_notice_quotes_a_link_s_value_as_code_only():
    """A value that would end the quote early (a backtick, a blank line) is
    still shown as code: it cannot put a link or emphasis in the notice."""
    for raw in ["`[Win](//evil.io)", "a\n\n[Win](//e.io)", "``**x**``"]:
        _, notice = state.DATA["n"].from_url(raw)
        assert notice.count("`") == 2 and "\n" not in notice, notice


def test_each_setting_reads_its_own_url_values():
    """The parser behind the notices, setting by setting."""
    for key, spec in state.ALL.items():
        for raw in KILLERS:
            value, notice = spec.from_url(raw)
            assert value is None or in_range(key, value if spec.kind != "int" else float(value)), (key, raw)
            assert value is not None or notice, (key, raw)


# --- the URL fuzz ---------------------------------------------------------------------------

LINKS_PER_PAGE = 50
#: The random links whose page is also rerun (a rerun doubles a link's cost).
RERUN_EVERY = 5

#: The settings each page shows besides the shared data settings.
PAGE_SETTINGS = {
    HOME: {}, "pages/1_Data.py": state.FIT, "pages/2_Loss_slice.py": state.SLICE,
    "pages/3_Loss_contour.py": state.CONTOUR, "pages/4_Schedules.py": state.SCHED,
    "pages/5_LR_finder.py": state.FINDER,
}

WRONG_TYPES = ["abc", "true", "false", "None", "null", "[]", "{}", "0x1f", "1,5", "1e", "--1", "+-0", "1/2",
               "½", "12abc", "1 2", "1_000", "#1", "+", "&", "=", "?", "<b>1</b>", "`1`", "$(id)", "../1"]
HUGE = ["1e309", "-1e309", "9" * 400, "-" + "9" * 400, "1e12", "-1e12", "999999999999", "1e308",
        "-1.7976931348623157e308", "1e-400", "5e-324", str(2**63), str(-(2**63) - 1)]
NOT_FINITE = ["nan", "NaN", "-nan", "inf", "-inf", "+inf", "Infinity", "-Infinity", "INF", "nan(1)"]
EMPTY = ["", " ", "\t", "\n", "  "]
UNICODE = ["é" * 30, "\u202e5", "\u200f42\u200f", "مرحبا", "١٢", "٣", "５", "𝟓", "🔥", "1🔥", "5\u0301",
           "e\u0301", "ß", "İ", "\ufeff5", "\u00a07", "\x00", "1\x002", "%00", "%2500", "ｍｓｅ", "Ⅻ"]
#: 100 kB values; a few are numbers that Python's float() reads in full.
LONG = ["x" * 100_000, "0" * 99_999 + "7", "7" + "0" * 99_999, " " * 99_999 + "5", "1," * 50_000,
        "é" * 50_000, "0." + "0" * 99_990 + "1"]
UNKNOWN_KEYS = ["unknown", "N", "n ", " n", "FIT_LR", "fit_lr[]", "n\u0301", "ключ", "😀", "apply2",
                "_url_imported", "_url_notices", "uploaded_data", "data_source", "upload_error", "data_upload"]


BOOLS = ["true", "false", "True", "FALSE", "1", "0", "yes", "no", "on", "off", " true ", "maybe", "2", "tru"]


def hostile_value(rng):
    """A value no setting should take as it is."""
    return rng.choice(rng.choice([WRONG_TYPES, HUGE, NOT_FINITE, EMPTY, UNICODE]))


def number_values(spec, rng):
    """Numbers in range, at and just past each bound, in various spellings."""
    low, high = spec.low, spec.high
    if spec.kind == "int":
        inside = [low, high, rng.randint(low, high), rng.randint(low, min(high, low + 100)), low + 1, high - 1]
        values = [str(int(v)) for v in inside] + [f"{rng.uniform(low, high):.2f}", f"{low + 0.5:g}",
                                                   f"{float(high):e}", f" {int(high)} ", f"+{int(low)}"]
        values += [str(int(low) - 1), str(int(high) + 1), str(-abs(int(high)) - 5), "-1", "-0"]
    else:
        span = high - low
        values = [repr(low), repr(high), repr(rng.uniform(low, high)), repr((low + high) / 2),
                  f"{rng.uniform(low, high):.3g}", repr(math.nextafter(low, -math.inf)),
                  repr(math.nextafter(high, math.inf)), repr(low - span * 1e-6), repr(high + span * 1e-6),
                  repr(low - 1.0), repr(high * 2 + 1), "-1", "-0", "0"]
    if spec.key == "n":  # a million points is the heaviest data
        values += ["1000000", "1000000", "1e6", "1000000.0", "999999"]
    return values


def rate_values(spec, rng):
    """Rates on the grid, off it, at and past both ends, spelt differently."""
    low, high = spec.low, spec.high
    log_uniform = 10 ** rng.uniform(math.log10(low), math.log10(high))
    return [rng.choice(spec.options), rng.choice(spec.options), spec.options[0], spec.options[-1],
            state.format_rate(log_uniform, rng.choice([2, 4, 6])), repr(log_uniform),
            repr(low * 0.999), repr(high * 1.001), "0", "-0.02", "1e-7", "1000", "2e-2", "0.0200"]


def choice_values(spec, rng):
    """The options by name and by label, in the wrong case, and numbers."""
    names = list(spec.options) + list(spec.labels)
    return names * 2 + [rng.choice(names).upper(), rng.choice(names).title(), "0", "1", "2", "-1"]


def multi_value(spec, rng):
    """Several schedules as repeated keys or one comma-separated value,
    by name or by label, with duplicates, unknown ones and too many."""
    names = list(spec.options) + list(spec.labels) + ["nonsense", "", "Constant"]
    picked = [rng.choice(names) for _ in range(rng.randint(1, 9))]
    if rng.random() < 0.3:
        return ",".join(picked)
    return picked if len(picked) > 1 or rng.random() < 0.5 else picked[0]


def value_for(spec, rng, *, long_ok):
    """A value for ``spec``: mostly a plausible one, else a hostile one."""
    if spec.kind == "multi" and rng.random() < 0.7:
        return multi_value(spec, rng)
    draw = rng.random()
    if long_ok and draw < 0.04:
        return rng.choice(LONG)
    if draw < 0.6:
        if spec.kind == "bool":
            return rng.choice(BOOLS)
        plausible = {"int": number_values, "float": number_values, "rate": rate_values}.get(spec.kind, choice_values)
        return rng.choice(plausible(spec, rng))
    return hostile_value(rng)


def random_link(page, rng):
    """A link to ``page``: some of its settings and the data settings, now
    and then other pages' settings, unknown keys, repeated keys and apply=1."""
    own = list(state.DATA) + list(PAGE_SETTINGS[page])
    others = [key for key in state.ALL if key not in own]
    keys = rng.sample(own, rng.randint(1, min(len(own), 14)))
    keys += rng.sample(others, rng.choice([0, 0, 1, 3]))
    query = {}
    long_ok = True
    for key in keys:
        spec = state.ALL[key]
        value = value_for(spec, rng, long_ok=long_ok)
        if spec.kind != "multi" and rng.random() < 0.12:  # a repeated key: the last one counts
            value = [value, value_for(spec, rng, long_ok=False)]
        long_ok = long_ok and not any(len(v) > 1000 for v in ([value] if isinstance(value, str) else value))
        query[key] = value
    for key in rng.sample(UNKNOWN_KEYS, rng.choice([0, 0, 1, 2])):
        query[key] = hostile_value(rng)
    if rng.random() < 0.15:
        query[controls.APPLY] = rng.choice(["1", "1", "0", "true"])
    return query


def bounds_link(which):
    """Every data setting at (or just past) one end of its range."""
    query = {}
    for key, spec in state.DATA.items():
        if spec.kind == "bool":
            query[key] = "true"
            continue
        low, high = spec.low, spec.high
        query[key] = repr({"low": float(low), "high": float(high),
                           "below": math.nextafter(low, -math.inf) if spec.kind == "float" else low - 1.0,
                           "above": math.nextafter(high, math.inf) if spec.kind == "float" else high + 1.0}[which])
    if which == "high":
        query["n"] = "20000"  # the million points come in the page's own heavy links
    return query


#: Links for any page, shared out among the pages in turn.
CRAFTED_ANY = [
    {},
    bounds_link("low"),
    bounds_link("high"),
    bounds_link("below"),
    bounds_link("above"),
    {key: ["1", "2", "3"] for key in state.DATA},  # every data key repeated: the last value counts
    {key: ["", "7"] for key in state.ALL if state.ALL[key].kind in ("int", "float")},
    {key: "1e309" for key in state.ALL} | {controls.APPLY: "1"},
    {key: "-1" for key in state.ALL},  # negative counts everywhere
    {"n": "x" * 300_000, "w": "x" * 300_000},  # over Streamlit's query size limit: the link is ignored
    {f"k{i}": "1" for i in range(CLIENT_STATE_QUERY_STRING_MAX_FIELDS)} | {"n": "7"},  # over its field limit
    {"n": "0" * 99_999 + "7", "w": "x" * 100_000, "b": "0." + "0" * 99_990 + "1", "seed": " " * 99_999 + "5"},
    {"n": "٣", "seed": "１２", "w": "\u202e5", "b": "🔥", "noise": "5\u0301", "x_min": "\x00",
     "x_max": "%00", "std": "ｔｒｕｅ", "ключ": "значение", "😀": "😀"},
    {"n": "2", "x_min": "5", "x_max": "5"},  # an empty x range is mended with a notice
    {"n": "1000000", "x_min": "10000", "x_max": "-10000", "noise": "100", "outliers": "0.5", "std": "true"},
    {"sched_pick": ["cosine", "one-cycle", "constant"], "slice_loss": "MAE", "contour_opt1": "Adam",
     "finder_opt": "momentum", "slice_param": "w (b held)"},  # labels, as the address bar carries them
]

HEAVY_SCHEDULES = ["constant", "exponential_decay", "cosine_decay", "one_cycle", "reduce_on_plateau", "cyclic"]
#: Each page's heaviest links: a million points, the most of everything.
CRAFTED_FOR = {
    HOME: [{"n": "1000000", "std": "true", "outliers": "0.5", "noise": "100"},
           {"n": "1000000", "x_min": "-10000", "x_max": "10000", "w": "100", "b": "-100", "apply": "1"}],
    "pages/1_Data.py": [
        {"n": "1000000", "fit_steps": "5000", "fit_lr": "10", "fit_w0": "-100", "fit_b0": "100"},
        {"n": "1000000", "fit_steps": "5000", "fit_lr": "0.0123", "std": "true"},
        {"n": "2", "noise": "100", "fit_lr": "1e-06", "fit_steps": "1"},
    ],
    "pages/2_Loss_slice.py": [
        {"n": "1000000", "slice_loss": loss, "slice_steps": "500", "slice_decay": "exponential",
         "slice_param": param, "slice_lr": "100", "slice_hold": "a value", "slice_held": "-100", "slice_delta": "0.01"}
        for loss in ("mae", "huber") for param in ("w", "b")
    ],
    "pages/3_Loss_contour.py": [
        {"n": "1000000", "contour_loss": loss, "contour_runs": "5", "contour_steps": "5000",
         "contour_guesses": "100000", "contour_batch": batch, "contour_delta": "100",
         **{f"contour_opt{i}": opt for i, opt in enumerate(("adam", "rmsprop", "nesterov", "adagrad", "momentum"), 1)},
         **{f"contour_lr{i}": lr for i, lr in enumerate(("10", "1", "0.1", "1e-06", "0.02"), start=1)}}
        for loss in ("mse", "mae", "huber") for batch in ("0", "1")
    ],
    "pages/4_Schedules.py": [
        {"n": "1000000", "sched_pick": HEAVY_SCHEDULES, "sched_steps": "5000", "sched_loss": loss,
         "sched_opt": opt, "sched_batch": batch, "sched_lr": "10"}
        for loss, opt, batch in (("mse", "adam", "1"), ("mae", "adam", "0"), ("huber", "rmsprop", "1000"),
                                 ("mae", "sgd", "1"))
    ],
    "pages/5_LR_finder.py": [
        {"n": "1000000", "finder_rates": "2000", "finder_steps": "2000", "finder_opt": opt,
         "finder_rt_steps": "1000", "finder_batch": batch, "finder_momentum": "0.99", "finder_min": "1e-10",
         "finder_max": "1000", "finder_tol": "1e-12"}
        for opt in ("sgd", "momentum", "adam") for batch in ("0", "1")
    ],
}


def fuzz_links(seed=20_240_611):
    """``LINKS_PER_PAGE`` distinct links for each page: its crafted ones,
    its turn of the shared crafted ones, then seeded random ones."""
    rng = random.Random(seed)
    links = {page: list(CRAFTED_FOR[page]) for page in PAGE_FILES}
    for number, link in enumerate(CRAFTED_ANY):
        links[PAGE_FILES[number % len(PAGE_FILES)]].append(link)
    for page in PAGE_FILES:
        seen = {urlencode(link, doseq=True) for link in links[page]}
        while len(links[page]) < LINKS_PER_PAGE:
            link = random_link(page, rng)
            if urlencode(link, doseq=True) not in seen:
                seen.add(urlencode(link, doseq=True))
                links[page].append(link)
    return links


LINKS = fuzz_links()


def what_the_app_reads(query):
    """The link's parameters as Streamlit hands them to the app (every value
    of a repeated key), or none when the query string is over its limits."""
    text = urlencode(query, doseq=True)
    if len(text) > CLIENT_STATE_QUERY_STRING_MAX_LENGTH or text.count("&") + 1 > CLIENT_STATE_QUERY_STRING_MAX_FIELDS:
        return {}
    return parse_qs(text, keep_blank_values=True)


def expected_values(query):
    """What each bound setting should show after opening the link: the
    checked value the link asked for, or the default."""
    read = what_the_app_reads(query)
    expected = {}
    for key, spec in state.ALL.items():
        value = None
        if key in read:  # a repeated key: every item of a list, else the last value
            value, _ = spec.from_url(",".join(read[key]) if spec.kind == "multi" else read[key][-1])
        expected[key] = spec.default if value is None else value
    return expected


def same(spec, shown, expected):
    if spec.kind == "int":  # whole numbers live in float inputs
        return float(shown) == float(expected)
    if spec.kind == "multi":
        return list(shown) == list(expected)
    return shown == expected


#: NaN or inf written as a number ("nan", "-inf", "Infinity"), not a word such as "infinite".
NOT_A_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:nan|inf|infinity)(?!\w)", re.IGNORECASE)
NOTICES = "Some settings were adjusted"


def check_page(at, query):
    """The checks every opened link must pass."""
    assert not at.exception, [e.value for e in at.exception]
    expected = expected_values(query)
    shown = widget_values(at)
    assert shown, "no bound widget on the page"
    for key, value in shown.items():
        spec = state.ALL[key]
        assert in_range(key, value), (key, value)
        assert same(spec, value, expected[key]), (key, value, expected[key])
    text = texts(at)
    assert "Traceback" not in text
    notices = [line for w in at.warning if w.value.startswith(NOTICES) for line in w.value.split("\n- ")[1:]]
    for notice in notices:  # each quotes at most one value of the link, as code, and uses finite numbers
        assert notice.count("`") in (0, 2) and "\n" not in notice, notice
        for used in re.findall(r"; using (.+)\.$", notice):
            assert math.isfinite(float(used)), used
    # what the page says, its notices' quotes of the link's own values ("`w=nan`") left out
    said = re.sub(r"`[^`]*`", "", text)
    assert not NOT_A_NUMBER.search(said), NOT_A_NUMBER.search(said)
    for chart in charts(at):
        assert all_numbers_finite(chart)
    return shown


def short(query):
    """A link for a message, long values cut."""
    def cut(value):
        return value[:40] + f"...({len(value):,} characters)" if len(value) > 40 else value
    return {key: cut(value) if isinstance(value, str) else [cut(v) for v in value] for key, value in query.items()}


@pytest.mark.parametrize("page", PAGE_FILES)
def test_url_fuzz(page):
    """Every link gives a page with no exception, finite numbers and the
    widgets the link asked for, checked and clamped; a rerun changes nothing
    (checked on the crafted links and every ``RERUN_EVERY``-th random one:
    ``test_edge_links`` reruns every link at the edges). How long a link
    takes is measured by ``python -m benchmarks``, not here: a time limit
    passes on a warm machine and fails on a cold one."""
    crafted = CRAFTED_FOR[page] + CRAFTED_ANY
    for number, query in enumerate(LINKS[page]):
        at = open_page(page, query=query)
        shown = check_page(at, query)
        if query in crafted or number % RERUN_EVERY == 0:
            at.run()  # a rerun of the same page, as any click makes
            assert not at.exception, short(query)
            assert widget_values(at) == shown, short(query)


def test_the_fuzz_covers_what_it_claims():
    """At least 300 distinct links, at least 50 per page, with the values the
    requirement names."""
    every = [(page, link) for page in PAGE_FILES for link in LINKS[page]]
    assert len({(page, urlencode(link, doseq=True)) for page, link in every}) == len(every) >= 300
    assert all(len(LINKS[page]) >= 50 for page in PAGE_FILES)
    values = [v for _, link in every for raw in link.values() for v in ([raw] if isinstance(raw, str) else raw)]
    for needed in (["abc"], ["1e309"], ["9" * 400], ["1e12"], ["nan", "NaN"], ["inf", "-inf"], ["-1"], [""],
                   ["x" * 100_000], ["\u202e5"], ["🔥"], ["5\u0301"], ["\x00", "%00"], ["1000000"]):
        assert any(v in needed for v in values), needed
    assert any(isinstance(raw, list) for _, link in every for raw in link.values())  # repeated keys
    assert any(key not in state.ALL and key != controls.APPLY for _, link in every for key in link)
    assert sum(link.get(controls.APPLY) == "1" for _, link in every) >= 10
    for key in state.ALL:
        assert any(key in link for _, link in every), key


# --- the edges of floating point, and settings valid alone but not together ------------------
#
# Every number and rate setting of a page at the edges of what a float holds
# and of what its widget shows, and every pair of a page's number settings at
# an end of their ranges at once (a covering array: each pair of settings sees
# each pair of ends in some link), then hand-picked pairs that are valid alone
# and not together. Each link passes ``check_page`` and ``check_words``.

#: Spellings at the edges of parsing a float: subnormals, the largest floats,
#: values that overflow, many digits, hex, signs, blanks, separators, digits
#: of other scripts, and words for inf and NaN.
FLOAT_EDGES = ["5e-324", "-5e-324", "2.2e-308", "-2.2250738585072014e-308", "-0.0", "1e-320", "1e-400",
               "1.7976931348623157e308", "-1.7976931348623157e308", "1e309", "1e308*", "1e308e1",
               "0.1000000000000000055511151231257827", "0x1p-3", "0x10", "+5", " 5 ", "5.", ".5", "1_000", "١٢",
               "infinity", "-infinity", "-nan", "nan", "1e-5", "-1e-5"]
#: Whole numbers past what an int64 and a float64 hold exactly, and halves.
INT_EDGES = [str(2**63), str(2**63 + 1), str(-(2**63)), str(-(2**63) - 1), str(2**53), str(2**53 + 1),
             "9007199254740993.0", "2.5", "0.5", "1.5", "-0.5", "3.4999999999999996"]

#: What Streamlit's number input writes when no format is given.
DEFAULT_FORMAT = "%0.2f"


def shown_by_widget(spec, value: float) -> str:
    """A number as its widget writes it (its format, printf style)."""
    return ("%.0f" if spec.kind == "int" else spec.format or DEFAULT_FORMAT) % value


def end_values(spec, end: str) -> list[str]:
    """Spellings of one end ("low" or "high") of a number or rate setting:
    the bound itself, one ulp inside and outside it, a value the widget's
    format shows as the bound, and a value far beyond it."""
    bound = float(spec.low if end == "low" else spec.high)
    inward, outward = (math.inf, -math.inf) if end == "low" else (-math.inf, math.inf)
    values = [repr(bound), repr(math.nextafter(bound, inward)), repr(math.nextafter(bound, outward))]
    if spec.kind == "int":
        values += [repr(bound + (0.4 if end == "low" else -0.4)), str(int(bound) + (-1 if end == "low" else 1))]
    elif spec.kind == "rate":
        values += [f"{bound * (1 + 4e-7 if end == 'low' else 1 - 4e-7):.9g}", repr(bound * (0.5 if end == "low" else 2))]
    else:  # a value strictly inside that the widget's format rounds onto the bound
        digits = shown_by_widget(spec, bound)
        nudge = (spec.high - spec.low) * 1e-9
        values += [repr(bound + (nudge if end == "low" else -nudge)), digits]
    return values


def numeric_keys(page) -> list[str]:
    """The number and rate settings a page shows (the data's and its own)."""
    own = {**state.DATA, **PAGE_SETTINGS[page]}
    return [key for key, spec in own.items() if spec.kind in ("int", "float", "rate")]


#: Settings whose top end makes a link heavy: the pairs take them from a
#: smaller top (the heaviest links are CRAFTED_FOR's and PAIRS_FOR's).
LIGHTER_TOP = {"n": "20000"}


def covering_rows(count: int) -> list[tuple[int, ...]]:
    """The fewest rows of 0s and 1s, one column per factor (``count`` of
    them), in which every pair of columns shows 00, 01, 10 and 11 (a covering
    array of strength 2, Kleitman and Spencer's): a first row of 0s, then the
    columns are distinct sets of ceil(rows/2) of the other rows, so any two
    differ both ways and meet.

    >>> len(covering_rows(8)), len(covering_rows(35)), len(covering_rows(36))
    (6, 8, 9)
    """
    rows = 2
    while math.comb(rows - 1, math.ceil(rows / 2)) < count:
        rows += 1
    columns = list(itertools.combinations(range(1, rows), math.ceil(rows / 2)))[:count]
    return [tuple(int(row in column) for column in columns) for row in range(rows)]


def covering_links(page) -> list[dict]:
    """Links that put every pair of the page's number settings at every pair
    of ends (low/low, low/high, high/low, high/high) at least once, each end
    spelt in turn by ``end_values``."""
    keys = numeric_keys(page)
    spellings = {(key, end): end_values(state.ALL[key], end) for key in keys for end in ("low", "high")}
    for key, top in LIGHTER_TOP.items():
        if key in keys:
            spellings[(key, "high")] = [top]
    used = {}
    links = []
    for row in covering_rows(len(keys)):
        link = {}
        for key, bit in zip(keys, row):
            end = ("low", "high")[bit]
            turn = used.get((key, end), 0)
            used[(key, end)] = turn + 1
            choices = spellings[(key, end)]
            link[key] = choices[turn % len(choices)]
        links.append(link)
    return links


def spelling_links(page) -> list[dict]:
    """FLOAT_EDGES (and INT_EDGES for whole numbers) spread over the page's
    number settings, one link per page (``test_every_setting_reads_the_edges_of_floating_point``
    reads every spelling for every setting)."""
    keys = numeric_keys(page)
    links = []
    link = {}
    for i, key in enumerate(keys):
        pool = FLOAT_EDGES + (INT_EDGES if state.ALL[key].kind == "int" else [])
        link[key] = pool[(i * 7 + len(PAGE_FILES[0]) * PAGE_FILES.index(page)) % len(pool)]
    links.append(link)
    return links


ULP = math.nextafter
#: Settings valid one by one but not together, per page: an empty or reversed
#: or unresolvable x range, too few points for the batch or the outliers, no
#: noise with standardized x, momentum near 1 at the largest rate, range tests
#: with low >= high, schedules decayed to almost nothing, a million points in
#: a tiny x range with the most steps (CRAFTED_FOR has the other heavy ones).
PAIRS_ANY = [
    {"x_min": "10000", "x_max": "10000"},  # mending an empty range must not leave the range's bounds
    {"x_min": "-10000", "x_max": "-10000"},
    {"x_min": "10000", "x_max": "-10000"},
    {"x_min": "3", "x_max": repr(ULP(3.0, math.inf))},
    {"x_min": "1e15", "x_max": "1000000000000000.1"},
    {"x_min": "9999.99", "x_max": "10000", "noise": "0"},  # huge magnitude, tiny range
    {"x_min": "9999.98", "x_max": "10000", "noise": "100", "std": "false"},
    {"x_min": "-10000", "x_max": repr(ULP(-10000.0, math.inf)), "std": "true"},
    {"x_min": "0", "x_max": "5e-324", "noise": "0", "std": "true"},
    {"n": "2", "noise": "0", "std": "true"},
    {"n": "2", "outliers": "0.5"},
    {"n": "2", "outliers": "0.5", "noise": "0", "std": "true", "w": "0", "b": "0"},
    {"n": "3", "outliers": "0.5", "noise": "0", "w": "-0.0", "b": "5e-324"},
    {"w": "1e-320", "b": "-1e-320", "noise": "0", "x_min": "-1e-300", "x_max": "1e-300"},
    {"w": "100", "b": "-100", "noise": "100", "x_min": "-10000", "x_max": "10000", "outliers": "0.5"},
    {"w": "-0.0", "b": "-0.0", "noise": "-0.0", "x_min": "-0.0", "x_max": "-0.0", "outliers": "-0.0", "seed": "-0.0"},
]

PAIRS_FOR = {
    HOME: [{"n": "1000000", "noise": "0", "std": "true", "x_min": "9999.98", "x_max": "10000"}],
    "pages/1_Data.py": [
        {"fit_lr": "10", "fit_steps": "5000", "x_min": "-10000", "x_max": "10000", "fit_w0": "100", "fit_b0": "-100"},
        {"fit_lr": "1e-06", "fit_steps": "1", "fit_w0": "5e-324", "fit_b0": "-0.0", "noise": "0"},
        {"fit_lr": repr(ULP(10.0, 0)), "fit_steps": "5000", "n": "2", "noise": "0", "std": "true"},
        {"n": "1000000", "fit_steps": "5000", "fit_lr": "10", "noise": "0", "x_min": "9999.98", "x_max": "10000"},
    ],
    "pages/2_Loss_slice.py": [
        {"slice_loss": "huber", "slice_delta": "0.01", "w": "100", "x_min": "-10000", "x_max": "10000",
         "noise": "100", "outliers": "0.5", "slice_lr": "100", "slice_steps": "500", "slice_start": "1000"},
        {"slice_decay": "exponential", "slice_decay_rate": "1", "slice_lr": "100", "slice_steps": "500"},
        {"slice_decay": "inverse time", "slice_decay_rate": "1", "slice_lr": "1e-06", "slice_steps": "500",
         "slice_start": "-1000"},
        {"slice_param": "w", "slice_hold": "a value", "slice_held": "-100", "slice_start": "1000",
         "slice_lr": "100", "x_min": "9999.98", "x_max": "10000"},
        {"slice_loss": "mae", "slice_param": "w", "n": "2", "noise": "0", "slice_start": "5e-324"},
        {"slice_start": repr(ULP(-1000.0, 0)), "slice_held": repr(ULP(100.0, 0)), "slice_hold": "a value",
         "slice_decay": "exponential", "slice_decay_rate": "0.001", "slice_loss": "huber", "slice_delta": "100"},
    ],
    "pages/3_Loss_contour.py": [
        {"contour_runs": "5", "contour_momentum": "0.99", "contour_lr1": "10", "contour_opt1": "momentum",
         "contour_lr2": "10", "contour_opt2": "nesterov", "contour_lr3": "10", "contour_opt3": "adam",
         "contour_lr4": "10", "contour_opt4": "rmsprop", "contour_lr5": "10", "contour_opt5": "adagrad",
         "contour_steps": "5000", "contour_beta1": "0.999", "contour_beta2": "0.9999", "contour_alpha": "0.999"},
        {"contour_runs": "2", "contour_beta1": "0", "contour_beta2": "0", "contour_alpha": "0", "contour_momentum": "0",
         "contour_opt1": "adam", "contour_opt2": "rmsprop", "contour_lr1": "1e-06", "contour_lr2": "10"},
        {"n": "2", "contour_batch": "1000", "contour_steps": "5000", "outliers": "0.5"},
        {"n": "3", "contour_batch": "2", "contour_loss": "huber", "contour_delta": "0.01", "w": "100",
         "x_min": "-10000", "x_max": "10000", "noise": "100"},
        {"contour_w0": "100", "contour_b0": "-100", "contour_tol": "1e-12", "contour_guesses": "0",
         "x_min": "9999.98", "x_max": "10000", "contour_equal": "true"},
        {"contour_w0": "5e-324", "contour_b0": "-0.0", "contour_tol": "1", "contour_guesses": "1",
         "noise": "0", "n": "2", "contour_loss": "mae"},
    ],
    "pages/4_Schedules.py": [
        {"sched_pick": ["exponential_decay", "polynomial_decay", "cosine_decay", "cosine_restarts", "step_decay",
                        "multistep_decay"],
         "sched_lr": "1e-06", "sched_exponential_decay_to": "1e-06", "sched_polynomial_decay_end": "0",
         "sched_polynomial_decay_power": "10", "sched_cosine_restarts_m_mul": "0.01",
         "sched_cosine_restarts_first": "0.01", "sched_cosine_restarts_t_mul": "1", "sched_step_decay_gamma": "0.01",
         "sched_step_decay_every": "0.01", "sched_multistep_decay_gamma": "0.01", "sched_steps": "5000"},
        {"sched_pick": ["one_cycle", "warmup_cosine", "cyclic", "reduce_on_plateau", "inverse_time_decay"],
         "sched_steps": "10", "sched_one_cycle_pct_start": "0.9", "sched_one_cycle_div": "10000",
         "sched_one_cycle_three_phase": "true", "sched_warmup_cosine_warmup": "0.9",
         "sched_warmup_cosine_start": "0.01", "sched_cyclic_up": "0.5", "sched_cyclic_gamma": "0.5",
         "sched_cyclic_mode": "exp_range", "sched_reduce_on_plateau_patience": "0",
         "sched_reduce_on_plateau_factor": "0.01", "sched_inverse_time_decay_rate": "1000",
         "sched_inverse_time_decay_staircase": "true"},
        {"sched_pick": ["one_cycle", "multistep_decay", "warmup_cosine"], "sched_steps": "10",
         "sched_one_cycle_pct_start": "0.05", "sched_multistep_decay_first": "0.99",
         "sched_multistep_decay_second": "0.01", "sched_warmup_cosine_warmup": "0.01", "sched_lr": "10",
         "sched_opt": "momentum"},
        {"sched_pick": ["reduce_on_plateau", "cyclic", "exponential_decay"], "sched_steps": "5000", "sched_lr": "10",
         "sched_reduce_on_plateau_cooldown": "1000", "sched_reduce_on_plateau_patience": "1000",
         "sched_exponential_decay_staircase": "true", "sched_exponential_decay_to": "1e-06", "sched_batch": "1",
         "n": "2", "sched_loss": "huber"},
        {"sched_batch": "1000", "n": "2", "sched_steps": "10", "sched_opt": "adagrad", "sched_lr": "10"},
    ],
    "pages/5_LR_finder.py": [
        {"finder_min": "1", "finder_max": "1e-06"},
        {"finder_min": "0.001", "finder_max": "0.001"},
        {"finder_min": "0.001", "finder_max": repr(ULP(0.001, 1))},
        {"finder_min": repr(ULP(1.0, 0)), "finder_max": "1"},
        {"finder_min": "1e-10", "finder_max": "1000", "finder_rt_steps": "10", "finder_smooth": "1",
         "finder_stop": "1.01"},
        {"finder_opt": "momentum", "finder_momentum": "0.99", "finder_rates": "50", "finder_steps": "10",
         "finder_tol": "1"},
        {"finder_opt": "momentum", "finder_momentum": repr(ULP(0.99, 0)), "finder_tol": "1e-12",
         "x_min": "9999.98", "x_max": "10000", "noise": "0"},
        {"finder_opt": "adam", "finder_rates": "50", "finder_steps": "10", "finder_tol": "1e-12", "n": "2",
         "noise": "0"},
        {"finder_batch": "1000", "n": "2", "finder_rt_steps": "1000", "finder_smooth": "0.001", "finder_stop": "100"},
    ],
}


def edge_links() -> dict[str, list[dict]]:
    """Each page's edge links: its covering array over pairs of ends, its
    spellings, its hand-picked pairs and its turn of PAIRS_ANY."""
    links = {page: covering_links(page) + spelling_links(page) + list(PAIRS_FOR[page]) for page in PAGE_FILES}
    for number, link in enumerate(PAIRS_ANY):
        links[PAGE_FILES[number % len(PAGE_FILES)]].append(link)
    return links


EDGE_LINKS = edge_links()

#: A number as the pages write it: digits with separators, a decimal part and
#: an exponent, with an ASCII or a typographic minus.
NUMBER = r"[-−]?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?"
#: Ranges a page writes: "from a to b" (not "falls from": that is a change),
#: "between a and b", "outside a to b", "a < lr·λ < b".
RANGES = [re.compile(rf"(?<!falls )(?:from|outside) ({NUMBER}) to ({NUMBER})(?![\d.])"),
          re.compile(rf"between ({NUMBER}) and ({NUMBER})(?![\d.])"),
          re.compile(rf"({NUMBER}) < lr·λ < ({NUMBER})(?![\d.])")]
#: Zero written with a sign: a -0.0 that reached a sentence.
NEGATIVE_ZERO = re.compile(r"(?<![\w.])[-−]0(?:\.0*)?(?![\d.\w])")


def as_number(text: str) -> float:
    return float(text.replace("−", "-").replace(",", ""))


def check_words(at):
    """What the page writes from numbers: finite (``check_page``), no signed
    zero, every range it names in order, every chart's explicit scale domain
    in order."""
    said = re.sub(r"`[^`]*`", "", texts(at))
    assert not NEGATIVE_ZERO.search(said), said[max(0, NEGATIVE_ZERO.search(said).start() - 80):][:160]
    for pattern in RANGES:
        for match in pattern.finditer(said):
            low, high = (as_number(group) for group in match.groups())
            assert low <= high, match.group(0)
    for chart in charts(at):
        for node in _domains(chart_spec(chart)):
            if len(node) == 2 and all(isinstance(v, (int, float)) for v in node):
                assert node[0] <= node[1], node


def _domains(node):
    """Every explicit scale domain in a chart's spec."""
    if isinstance(node, dict):
        scale = node.get("scale")
        if isinstance(scale, dict) and isinstance(scale.get("domain"), list):
            yield scale["domain"]
        for value in node.values():
            yield from _domains(value)
    elif isinstance(node, list):
        for value in node:
            yield from _domains(value)


@pytest.mark.parametrize("page", PAGE_FILES)
def test_edge_links(page):
    """Every number at the edges of floating point and of its range, every
    pair of a page's numbers at their ends together, and the pairs valid
    alone but not together: no exception, the widgets show what
    ``Setting.from_url`` made of the link, finite words and ordered ranges,
    and a rerun changes nothing."""
    for query in EDGE_LINKS[page]:
        at = open_page(page, query=query)
        shown = check_page(at, query)
        check_words(at)
        at.run()
        assert not at.exception, short(query)
        assert widget_values(at) == shown, short(query)


def test_the_edge_links_cover_every_pair_of_ends():
    """Each pair of a page's number settings meets at each pair of ends in
    some link (the ends read back by ``from_url``)."""
    for page in PAGE_FILES:
        keys = numeric_keys(page)
        seen = set()
        for link in EDGE_LINKS[page]:
            ends = {}
            for key in keys:
                spec = state.ALL[key]
                value, _ = spec.from_url(link[key]) if key in link else (None, None)
                if value is not None:
                    near = (float(spec.high) - float(spec.low)) * 1e-6
                    ends[key] = "low" if float(value) <= float(spec.low) + near else \
                        "high" if float(value) >= float(spec.high) - near else None
            seen |= {(a, ends[a], b, ends[b]) for a in ends for b in ends if a < b}
        for i, a in enumerate(sorted(keys)):
            for b in sorted(keys)[i + 1:]:
                for ea in ("low", "high"):
                    for eb in ("low", "high"):
                        if a in LIGHTER_TOP and ea == "high" or b in LIGHTER_TOP and eb == "high":
                            continue
                        assert (a, ea, b, eb) in seen, (page, a, ea, b, eb)


def test_every_setting_reads_the_edges_of_floating_point():
    """From a link, each number and rate setting reads every edge spelling as
    a value in range (the widget shows it with its format) or ignores it with
    a notice; a finite in-range value keeps its every digit, a signed zero is
    read as 0, and what its widget's format cannot show is said."""
    for key, spec in state.ALL.items():
        if spec.kind not in ("int", "float", "rate"):
            continue
        pool = FLOAT_EDGES + INT_EDGES + end_values(spec, "low") + end_values(spec, "high")
        for raw in pool:
            value, notice = spec.from_url(raw)
            if value is None:
                assert notice, (key, raw)
                continue
            assert in_range(key, value), (key, raw, value)
            if spec.kind == "float":
                assert math.copysign(1.0, value) == 1.0 or value != 0, (key, raw, value)  # no -0.0


def test_a_range_test_link_with_min_at_or_above_max_says_so_on_opening():
    """The page mends min_lr >= max_lr; the notice comes with the first view,
    not after the next click."""
    for low, high in (("1", "1e-06"), ("0.001", "0.001")):
        at = open_page("pages/5_LR_finder.py", query={"finder_min": low, "finder_max": high})
        assert not at.exception
        assert f"min_lr ({float(low):g}) must be below max_lr ({float(high):g})" in texts(at), (low, high)


def test_an_empty_x_range_is_mended_inside_the_settings_bounds():
    top = state.DATA["x_max"].high
    for x_min, x_max in [(top, top), (ULP(top, 0), top), (-top, -top), (top, ULP(top, 0)), (0.0, 5e-324)]:
        low, high, notice = state.x_range_fixed(x_min, x_max)
        assert state.DATA["x_min"].low <= low < high <= top and notice, (x_min, x_max, low, high)


def test_schedule_settings_valid_alone_but_not_together_are_said():
    """A second milestone before the first, a one-cycle phase shorter than a
    step: the page runs the mended schedule and says how it was mended."""
    query = {"sched_pick": ["multistep_decay", "one_cycle"], "sched_steps": "10", "sched_multistep_decay_first": "0.99",
             "sched_multistep_decay_second": "0.01", "sched_one_cycle_pct_start": "0.05"}
    at = open_page("pages/4_Schedules.py", query=query)
    assert not at.exception
    said = texts(at)
    assert "Multistep: its second milestone (step 1) was not after its first (step 10): it is taken at step 11." in said
    assert "One-cycle: pct_start = 0.05 leaves a phase shorter than a step in 10 steps: it is taken as 0.15." in said
