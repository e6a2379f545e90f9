"""Widgets shared by the pages: the dataset group in the sidebar, the
learning-rate control, the share link, reset, and the notices about values a
link carried that had to be adjusted.

Every widget is bound to the URL (``bind="query-params"``) and kept for the
whole session (``persist_state="session"``), so the address bar is always a
share link and a setting survives a trip to another page. Only float, bool
and option widgets are bound: Streamlit's own URL parsing of an int widget
raises on values like ``1e309``; whole numbers here are float inputs shown
without decimals.
"""

from __future__ import annotations

import re

from urllib.parse import urlencode

import streamlit as st

from . import state
from .state import DATA, Setting

BIND = {"bind": "query-params", "persist_state": "session"}

_IMPORTED = "_url_imported"
APPLY = "apply"
_NOTICES = "_url_notices"
UPLOAD = "uploaded_data"  # {"name": str, "data": Dataset} in the session only
UPLOAD_ERROR = "upload_error"
SOURCE = "data_source"
MADE, UPLOADED = "Made points", "Uploaded CSV"
#: In the link while an uploaded CSV is in use. The file itself stays in the
#: server's memory for this session; the mark lets a page that opens the link
#: without it (a restarted server, another replica behind a load balancer, a
#: copied address) say the upload is missing instead of silently using made points.
UPLOAD_MARK = "upload"
UPLOAD_LOST = ("The uploaded CSV is not on this server: an uploaded file stays in the memory of the server "
               "that received it, for that browser session only, and a restarted or different server does "
               "not have it. This page shows the made points; upload the file again on the Data page to use it.")

#: The app's pages: (file, label, icon), in the sidebar's order.
PAGES = (
    ("streamlit_app.py", "Home", ":material/home:"),
    ("pages/1_Data.py", "Data", ":material/scatter_plot:"),
    ("pages/2_Loss_slice.py", "Loss slice", ":material/show_chart:"),
    ("pages/3_Loss_contour.py", "Loss contour", ":material/map:"),
    ("pages/4_Schedules.py", "Schedules", ":material/timeline:"),
    ("pages/5_LR_finder.py", "LR finder", ":material/search:"),
)


def navigation() -> None:
    """The page list at the top of the sidebar (Streamlit's own list would
    call the home page "streamlit app")."""
    with st.sidebar:
        for path, label, icon in PAGES:
            st.page_link(path, label=label, icon=icon)


# --- values that arrive in a link ----------------------------------------------------


def _widget_value(spec: Setting, value):
    """What the widget itself holds: whole numbers live in float inputs, and
    a multiselect holds a list."""
    if spec.kind == "multi":
        return list(value)
    return float(value) if spec.kind == "int" else value


def import_url(settings: dict[str, Setting] = state.ALL) -> None:
    """Read the link's settings once per session, before any widget exists:
    each value is parsed, checked and clamped here, and put in session state
    for its widget; what had to change is kept as a notice."""
    # A link from another page of the app (a page_link carrying settings)
    # asks for its values to be read again with ``apply=1``.
    again = st.query_params.get(APPLY) == "1"
    first = not st.session_state.get(_IMPORTED)
    if not first and not again:
        _keep(settings)
        return
    st.session_state[_IMPORTED] = True
    if again:
        del st.query_params[APPLY]
    notices = []
    checked = {}
    for key, raw in st.query_params.to_dict().items():
        spec = settings.get(key)
        if spec is None:
            continue  # not a setting of this app: ignored
        if spec.kind == "multi":  # a multiselect puts each choice in the URL
            raw = ",".join(str(item) for item in st.query_params.get_all(key))
        value, notice = spec.from_url(raw)
        if notice:
            notices.append(notice)
        if value is not None:
            st.session_state[key] = _widget_value(spec, value)
        checked[key] = value
    notices += state.link_notices({key: value for key, value in checked.items() if value is not None})
    st.session_state[_NOTICES] = st.session_state.get(_NOTICES, []) + notices if again else notices
    if first and checked:
        # On a session's first run Streamlit also reads the link for each
        # bound widget, and its reading wins over the checked one (a fraction
        # for a whole number, an over-long value, part of a list). So the link
        # is rewritten with the checked values, as the widgets write them, and
        # the page runs again from it.
        for key, value in checked.items():
            spec = settings[key]
            if value is None or _widget_value(spec, value) == _widget_value(spec, spec.default):
                del st.query_params[key]
            else:
                st.query_params[key] = _link_value(spec, value)
        st.rerun()


def _link_value(spec: Setting, value) -> str | list[str]:
    """A checked value as its widget writes it in the link: a choice by the
    label the widget shows."""
    labels = spec.label_of()
    if spec.kind == "multi":
        return [labels.get(item, item) for item in value]
    if spec.kind == "choice":
        return labels.get(value, value)
    if spec.kind == "bool":
        return str(value).lower()
    if spec.kind == "int":
        return str(int(round(value)))
    return value if spec.kind == "rate" else repr(float(value))


def _keep(settings: dict[str, Setting]) -> None:
    """Hand every setting's value to its widget again, before the widget exists.

    Without this, the first page switch after a link was opened reset the
    dataset's widgets, which are on every page, to their defaults: the
    browser resends the values it first drew them with, and a resent value
    wins over the one kept in session state. A value set in session state
    during the run wins over both; a change the learner just made is already
    in session state when the run starts, so it is kept too. The choice
    between made and uploaded points is kept the same way."""
    for key in (*settings, SOURCE):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def add_notice(text: str) -> None:
    """Show a sentence about an adjusted setting until the learner dismisses it."""
    notices = st.session_state.setdefault(_NOTICES, [])
    if text not in notices:
        notices.append(text)


def show_notices() -> None:
    if upload_lost():
        with st.container(border=True):
            st.warning(UPLOAD_LOST, icon=":material/cloud_off:")
            st.button("Dismiss", key="dismiss_upload_lost", on_click=_forget_upload_mark)
    notices = st.session_state.get(_NOTICES) or []
    if not notices:
        return
    with st.container(border=True):
        st.warning("Some settings were adjusted:\n\n" + "\n".join(f"- {n}" for n in notices), icon=":material/tune:")
        st.button("Dismiss", key="dismiss_notices", on_click=st.session_state.pop, args=(_NOTICES, None))


# --- words ------------------------------------------------------------------------------

_VERDICT_ICONS = {"success": ":material/check_circle:", "info": ":material/info:",
                  "warning": ":material/warning:", "error": ":material/trending_up:"}


def verdict(said) -> None:
    """Show a view's verdict (``ui.views.common.Verdict``) in the alert of its kind."""
    alert = {"success": st.success, "info": st.info, "warning": st.warning, "error": st.error}[said.kind]
    alert(said.text, icon=_VERDICT_ICONS[said.kind])


def table(frame, **kwargs) -> None:
    """A results table, its decimal numbers written with four significant digits."""
    columns = {name: st.column_config.NumberColumn(format="%.4g") for name in frame.columns
               if frame[name].dtype.kind == "f"}
    st.dataframe(frame, hide_index=True, width="stretch", column_config=columns, **kwargs)


# --- the lesson's answers, counted in every page's sidebar ------------------------------

ANSWERS = "lesson_answers"  # {chapter: {"right": True, False or None, "data": fingerprint}}, this session only
CHAPTER_COUNT = len(state.LESSON["chapter"].options)


def record_answer(number: int, right: bool | None, fingerprint: str) -> None:
    """Keep how chapter ``number``'s answer was judged, and on which points."""
    st.session_state.setdefault(ANSWERS, {})[number] = {"right": right, "data": fingerprint}


def progress_line(answers: dict, fingerprint: str) -> str:
    """The sidebar's count of the lesson's answers, judged on the points in use.

    >>> progress_line({1: {"right": True, "data": "a"}, 3: {"right": False, "data": "b"}}, "a")
    '**Lesson:** 2 of 6 answered, 1 right; 1 to check again on these points (open its chapter).'
    """
    answered = len(answers)
    right = sum(1 for said in answers.values() if said["right"] and said["data"] == fingerprint)
    stale = sum(1 for said in answers.values() if said["data"] != fingerprint)
    again = f"; {stale} to check again on these points (open its chapter)" if stale else ""
    return f"**Lesson:** {answered} of {CHAPTER_COUNT} answered, {right} right{again}."


def lesson_progress(fingerprint: str) -> None:
    """The count of the lesson's answers in the sidebar (nothing before the first)."""
    answers = st.session_state.get(ANSWERS) or {}
    if answers:
        st.sidebar.caption(progress_line(answers, fingerprint),
                           help="Your answers stay in this browser session; they are not in any link.")


# --- widgets ------------------------------------------------------------------------------


def number(spec: Setting, where=st, **kwargs):
    """A number input for a float or whole-number setting."""
    whole = spec.kind == "int"
    value = where.number_input(
        spec.label,
        min_value=float(spec.low),
        max_value=float(spec.high),
        value=float(spec.default),
        step=1.0 if whole else kwargs.pop("step", None),
        format="%.0f" if whole else kwargs.pop("format", spec.widget_format()),
        key=spec.key,
        help=spec.help,
        **BIND,
        **kwargs,
    )
    return int(round(value)) if whole else float(value)


def choice(spec: Setting, where=st, labels: dict | None = None, **kwargs) -> str:
    """One of a few options, as a horizontal radio."""
    labels = labels or spec.label_of()
    return where.radio(
        spec.label,
        list(spec.options),
        index=list(spec.options).index(spec.default),
        format_func=lambda option: labels.get(option, option),
        key=spec.key,
        help=spec.help,
        horizontal=True,
        **BIND,
        **kwargs,
    )


def select(spec: Setting, where=st) -> str:
    """One of several options, as a drop-down."""
    labels = spec.label_of()
    return where.selectbox(
        spec.label, list(spec.options), index=list(spec.options).index(spec.default),
        format_func=lambda option: labels.get(option, option), key=spec.key, help=spec.help, **BIND,
    )


def multi(spec: Setting, where=st, labels: dict | None = None, most: int | None = None) -> list:
    """Several of the options, in the order chosen."""
    labels = labels or spec.label_of()
    return list(where.multiselect(
        spec.label, list(spec.options), default=list(spec.default), format_func=lambda o: labels.get(o, o),
        key=spec.key, help=spec.help, max_selections=most, **BIND,
    ))


def toggle(spec: Setting, where=st) -> bool:
    return bool(where.toggle(spec.label, value=spec.default, key=spec.key, help=spec.help, **BIND))


def rate(spec: Setting, marks: dict[str, float] | None = None, where=st) -> float:
    """A learning rate on a log scale: a slider over 'nice' rates plus any
    marked rates (e.g. the theory's), which are kept exact."""
    marks = marks or {}
    exact = {state.format_rate(v, 6): float(v) for v in marks.values() if state.LR_MIN <= v <= state.LR_MAX}
    current = st.session_state.get(spec.key)
    labels = set(spec.options) | set(exact)
    if isinstance(current, str):
        labels.add(current)
    options = sorted(labels, key=float)
    label = where.select_slider(
        spec.label, options=options, value=spec.default, key=spec.key, help=spec.help, **BIND
    )
    return exact.get(label, float(label))


def schedule_parameters(chosen: list) -> dict:
    """Each chosen schedule's own settings as widgets, a row per schedule:
    {schedule: {parameter: value}} (every chosen schedule has an entry)."""
    values = {name: {} for name in chosen}
    for name in chosen:
        params = state.SCHEDULE_PARAMS[name]
        if not params:
            continue
        for column, (param, key) in zip(st.columns(len(params)), params.items()):
            spec = state.SCHED[key]
            if spec.kind == "bool":
                values[name][param] = toggle(spec, column)
            elif spec.kind == "choice":
                values[name][param] = column.selectbox(spec.label, list(spec.options), key=key, help=spec.help,
                                                       **BIND)
            else:
                values[name][param] = float(number(spec, column))
    return values


def set_value(key: str, value) -> None:
    """A button callback: set a widget's value (runs before the rerun)."""
    st.session_state[key] = value


def set_values(values: dict) -> None:
    """A button callback: set several widgets' values at once (a preset).

    Pages pass their callbacks' work as values, never as functions of their
    own: a function defined in a page script keeps every variable of that
    run (the data, the results) alive for as long as Streamlit keeps the
    widget, in every session, even after the session has ended."""
    for key, value in values.items():
        st.session_state[key] = value


def start_from_pick(chart_key: str, selection: str, w_key: str, b_key: str) -> None:
    """A chart's selection callback: put the clicked (w, b) into the two
    start widgets, clamped to their ranges."""
    event = st.session_state.get(chart_key)
    picked = (event or {}).get("selection", {}).get(selection) or []
    if picked:
        st.session_state[w_key] = state.ALL[w_key].clamp(picked[0]["w"])
        st.session_state[b_key] = state.ALL[b_key].clamp(picked[0]["b"])


def reset(settings: dict[str, Setting]) -> None:
    """A button callback: every given setting back to its default."""
    for spec in settings.values():
        st.session_state[spec.key] = _widget_value(spec, spec.default)


# --- the dataset group, in the sidebar of every page --------------------------------


def data_sidebar() -> tuple[state.DataSettings, str]:
    """The shared dataset controls. Returns the made data's settings and the
    source to use (made points, or the CSV uploaded in this session)."""
    import_url()
    if embedded():
        return _linked_data(), MADE
    navigation()
    uploaded = st.session_state.get(UPLOAD)
    with st.sidebar:
        st.header("Data")
        source = MADE
        if uploaded is not None:
            source = st.radio(
                "Fit the line to",
                [MADE, UPLOADED],
                key=SOURCE,
                horizontal=True,
                help="An uploaded file stays in this browser session: it cannot travel in a link.",
                persist_state="session",
            )
        with st.expander("Make points", expanded=source == MADE):
            n = number(DATA["n"])
            w = number(DATA["w"])
            b = number(DATA["b"])
            noise = number(DATA["noise"])
            left, right = st.columns(2)
            x_min = number(DATA["x_min"], left)
            x_max = number(DATA["x_max"], right)
            outliers = number(DATA["outliers"], step=0.01)
            seed = number(DATA["seed"])
        std = toggle(DATA["std"])
    x_min, x_max, notice = state.x_range_fixed(x_min, x_max)
    if notice:
        add_notice(notice)
    _mark_upload(source == UPLOADED)
    settings = state.DataSettings(n, w, b, noise, x_min, x_max, outliers, seed, std)
    return settings, source


def _mark_upload(in_use: bool) -> None:
    """Keep ``UPLOAD_MARK`` in the link while an uploaded CSV is in use, and
    out of it while this session's made points are."""
    marked = UPLOAD_MARK in st.query_params
    if in_use and not marked:
        st.query_params[UPLOAD_MARK] = "1"
    elif marked and st.session_state.get(UPLOAD) is not None and not in_use:
        del st.query_params[UPLOAD_MARK]


def upload_lost() -> bool:
    """Whether the link says an uploaded CSV was in use that this session
    does not hold."""
    return UPLOAD_MARK in st.query_params and st.session_state.get(UPLOAD) is None and not embedded()


def _forget_upload_mark() -> None:
    st.query_params.pop(UPLOAD_MARK, None)


def _linked_data() -> state.DataSettings:
    """The data settings the link carried (checked by ``import_url``), for a
    page drawn without its sidebar."""
    values = {key: linked(spec) for key, spec in DATA.items()}
    x_min, x_max, _ = state.x_range_fixed(values["x_min"], values["x_max"])
    return state.DataSettings(values["n"], values["w"], values["b"], values["noise"], x_min, x_max,
                              values["outliers"], values["seed"], bool(values["std"]))


def linked(spec: Setting):
    """A setting's value without its widget: the link's, checked by
    ``import_url``, or the default."""
    value = st.session_state.get(spec.key, _widget_value(spec, spec.default))
    return int(round(value)) if spec.kind == "int" else value


def sidebar(page_settings: dict[str, Setting], *, progress: bool = True) -> CurrentData:
    """Every page's sidebar: the data group, then "Share this view" (the data
    and ``page_settings`` in a link), "Reset to defaults" and, with
    ``progress``, the count of the lesson's answers. Returns the dataset in
    use. Embedded in another site (``?embed=true``) a page has no sidebar:
    its settings come from the link alone."""
    current = current_data()
    if embedded():
        return current
    share_and_reset(page_settings, current.source)
    if progress:
        lesson_progress(current.data.fingerprint)
    return current


def embedded() -> bool:
    """Whether the page is shown inside another site (``?embed=true``)."""
    return bool(st.context.is_embedded)


def share_and_reset(page_settings: dict[str, Setting], source: str = MADE) -> None:
    """The sidebar's "Share this view" link and "Reset to defaults" button."""
    with st.sidebar:
        st.divider()
        with st.popover("Share this view", width="stretch"):
            st.code(share_link({**DATA, **page_settings}), language=None, wrap_lines=True)
            st.caption("Copy the link (button at the right of the box): it opens this page with these settings.")
            if source == UPLOADED:
                st.info("The uploaded CSV stays in this session: the link carries the made-data settings only.")
        st.button(
            "Reset to defaults",
            key="reset_defaults",
            on_click=reset,
            args=({**DATA, **page_settings},),
            help="Every setting on this page and the data settings back to their defaults.",
            width="stretch",
        )


def share_link(settings: dict[str, Setting]) -> str:
    """This page's address with every setting that differs from its default."""
    params = {key: _link_value(settings[key], value) for key, value in changed(settings).items()}
    base = st.context.url or ""
    return base + ("?" + urlencode(params, doseq=True) if params else "")


def changed(settings: dict[str, Setting]) -> dict:
    """{key: value in this session} for each setting that differs from its default."""
    values = {}
    for key, spec in settings.items():
        value = st.session_state.get(key, _widget_value(spec, spec.default))
        if value != _widget_value(spec, spec.default):
            values[key] = value
    return values


def page_link_at(path: str, label: str, values: dict, icon: str | None = None) -> None:
    """A link to another page that opens it at ``values`` ({key: value}, every
    setting it should show) with this session's data settings: a share link
    too, so it works in a new tab and for someone else (an uploaded CSV
    stays behind, as with every link)."""
    params = {key: _link_value(DATA[key], value) for key, value in changed(DATA).items()}
    params.update({key: _link_value(state.ALL[key], value) for key, value in values.items()})
    params[APPLY] = "1"
    st.page_link(path, label=label, icon=icon, query_params=params)


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>~$|#])")


def plain(text: str) -> str:
    """``text`` (a file name, a message quoting a file) shown as written: every
    character Markdown would act on is escaped, so nothing in it becomes
    emphasis, a link or HTML.
    """
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


# --- the dataset every page works on ---------------------------------------------------


class CurrentData:
    """The dataset in use, with what the pages say about it."""

    def __init__(self, data, settings: state.DataSettings, source: str, true_line, name: str):
        self.data = data
        self.settings = settings
        self.source = source
        self.true_line = true_line  # (w, b) the points were drawn around, None for an upload
        self.name = name


def uploaded_points(source: str):
    """The raw uploaded dataset when it is the one in use, else None."""
    uploaded = st.session_state.get(UPLOAD)
    return uploaded["data"] if source == UPLOADED and uploaded is not None else None


def current_data() -> CurrentData:
    """Render the sidebar's data group and return the dataset it selects.
    An uploaded CSV is used while it is selected; otherwise the made points."""
    from . import compute, server

    server.leave_loaded_objects_out_of_collections()
    server.release_memory()
    settings, source = data_sidebar()
    raw = uploaded_points(source)
    if raw is not None:
        data = compute.standardized(raw, raw.fingerprint) if settings.std else raw
        return _in_use(CurrentData(data, settings, UPLOADED, None, st.session_state[UPLOAD]["name"]))
    data = compute.made_data(settings)
    w, b = settings.w, settings.b
    if settings.std:
        raw = compute.made_data(state.DataSettings(*settings.key()[:-1], False))
        # y = w*x + b with x = mean + std*x': the same line in standardized x
        w, b = w * raw.moments.var_x**0.5, b + w * raw.moments.mean_x
    return _in_use(CurrentData(data, settings, MADE, (w, b), "made points"))


def in_use_line(data, name: str | None, standardized: bool) -> str:
    """The sidebar's sentence on the data in use: its size and least-squares
    line. ``name`` is an uploaded file's name, None for made points."""
    import lrcore

    w, b = lrcore.losses.get("mse").minimizer(data)
    points = f"{data.n:,} made points" if name is None else f"**{plain(name)}**, {data.n:,} points"
    scaled = ", x standardized" if standardized else ""
    slope = f"{w:.4g}".replace("-", "−")
    return f"In use: {points}{scaled}; least-squares line y = {slope}·x {'−' if b < 0 else '+'} {abs(b):.4g}."


def _in_use(current: CurrentData) -> CurrentData:
    """Say in the sidebar which data this page works on, the same on every
    page of the session."""
    name = current.name if current.source == UPLOADED else None
    if embedded():
        return current
    st.sidebar.caption(
        in_use_line(current.data, name, current.settings.std),
        help="Every page of this session works on these points until you change them.",
    )
    return current


def on_upload(widget_key: str) -> None:
    """The upload's callback: read the file (in memory, never to disk); on a
    bad file keep the previous dataset and say what is wrong."""
    import lrcore

    file = st.session_state.get(widget_key)
    if file is None:
        return
    try:
        data = lrcore.read_csv(file)
    except lrcore.DataError as error:
        st.session_state[UPLOAD_ERROR] = f"**{plain(file.name)}** was not used: {plain(str(error))}"
        return
    from . import compute

    st.session_state[UPLOAD] = {"name": file.name, "data": compute.shared_upload(data, data.fingerprint)}
    st.session_state[SOURCE] = UPLOADED
    st.session_state.pop(UPLOAD_ERROR, None)
