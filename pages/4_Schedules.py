"""Learning-rate schedules side by side, on the same problem and the same batches."""

import functools

import streamlit as st

from ui import budget, charts, compute, controls, notebook, play, state
from ui.views import schedules

st.set_page_config(page_title="Schedules · Learning-Rate Explorer", page_icon="⏳", layout="wide")

SCHED = state.SCHED
current = controls.sidebar(SCHED)
data, fingerprint = current.data, current.data.fingerprint

st.title("Learning-rate schedules side by side")
st.markdown(
    "A schedule changes the learning rate as the steps go on. Decay helps where a constant rate cannot "
    "settle: under **mini-batch noise**, where each step's gradient is off by a random amount, and with the "
    "**MAE**, whose slope does not shrink smoothly to 0 at the minimum. With every point in each step and the "
    "mean squared error, a constant rate below the edge already converges. Here every schedule runs from the same start, "
    "with the same optimizer and loss and **the same mini-batches**, so the comparison is fair."
)
controls.show_notices()

# two rows of two: four in a row cut the presets' names short in a 1280-px window
for column, preset in zip([*st.columns(2), *st.columns(2)], schedules.presets(data, state.format_rate)):
    column.button(preset.label, key=preset.key, on_click=controls.set_values, args=(preset.values,),
                  help=preset.help, width="stretch")

chosen = controls.multi(SCHED["sched_pick"], most=state.MAX_SCHEDULES)
if not chosen:
    st.info("Pick at least one schedule above.", icon=":material/info:")
    st.stop()
cols = st.columns(4)
with cols[0]:
    opt = controls.select(SCHED["sched_opt"])
with cols[1]:
    loss = controls.choice(SCHED["sched_loss"])
batch = controls.number(SCHED["sched_batch"], cols[2])
with cols[3]:
    log_rates = controls.toggle(SCHED["sched_log"])
rate_col, steps_col = st.columns([3, 1], vertical_alignment="bottom")
bowl = compute.bowl(data, fingerprint, loss, 1.0)  # plain gradient descent's marks, where there is a bowl
marks = {"optimal": bowl.lr_optimal, "edge": bowl.lr_max_stable} if bowl is not None and opt == "sgd" else {}
with rate_col:
    lr = controls.rate(SCHED["sched_lr"], marks)
steps = controls.number(SCHED["sched_steps"], steps_col)
with st.expander("Each schedule's settings (lengths are fractions of the steps)", expanded=False):
    values = controls.schedule_parameters(chosen)

steps, notice = budget.affordable_steps(loss, data.n, len(chosen), steps)
if notice:
    st.warning(notice, icon=":material/speed:")
key = tuple((name, tuple(sorted(values[name].items()))) for name in chosen)
settings = state.OptimizerSettings()  # this page does not ask for momentum or betas: the defaults
view = compute.schedule_view(data, fingerprint, key, lr, steps, opt, settings, loss, batch)
st.vega_lite_chart(spec=compute.chart_spec(charts.schedules_chart, view, log_rates=log_rates), width="stretch")
play.button(charts.STEP_PARAM, last=view.steps, frames=view.frame_count, key="sched_play")
controls.verdict(view.verdict)
st.caption(view.when)

st.subheader("Results")
controls.table(view.table)
st.caption(
    "Where a run ended up is the mean of its loss gap over the last steps: under mini-batch noise one step's "
    "loss says little. " + view.flow
)

st.subheader("Show the code")
pick = st.selectbox("Schedule", chosen, format_func=state.SCHEDULE_NAMES.get, key="sched_code_pick")
recipe = tuple(current.settings.recipe().items()) if current.source == controls.MADE and not current.settings.std \
    else None
code = compute.schedule_code(data, fingerprint, pick, tuple(sorted(values[pick].items())), lr, steps, opt,
                             settings, loss, batch, recipe)
st.caption("Our step is one update, as in Keras' schedules. In PyTorch, call `scheduler.step()` after every "
           "`optimizer.step()` (not once per epoch) to get the same rates.")
if isinstance(code, str):
    st.info(code)
else:
    keras_tab, torch_tab = st.tabs(["Keras", "PyTorch"])
    exploring = (f"You were comparing learning-rate schedules on the Schedules page "
                 f"({', '.join(view.names)}) and took home the {state.SCHEDULE_NAMES[pick]} run. "
                 f"On the page: {view.verdict.text}"
                 + (" The link opens the app on made points: an uploaded file stays on your machine."
                    if current.source == controls.UPLOADED else ""))
    link = controls.share_link({**state.DATA, **SCHED})
    for tab, framework, script in ((keras_tab, "keras", code[0]), (torch_tab, "pytorch", code[1])):
        # made when clicked (a callable); on_click="ignore": a download changes nothing on the page, so no rerun
        tab.download_button(
            f"This run as a {notebook.FRAMEWORKS[framework]} notebook (.ipynb)",
            functools.partial(notebook.notebook_bytes, script, framework, exploring=exploring, link=link),
            f"schedules_{pick}_{framework}.ipynb", "application/x-ipynb+json", key=f"sched_notebook_{framework}",
            on_click="ignore", icon=":material/download:",
        )
        tab.code(script, language="python", height=520)  # scrolls: the points alone can run to 500 lines
    printed = view.printed[chosen.index(pick)]
    st.markdown("Run either script and its last line reads, as this page's run ends:")
    st.code(printed, language=None, wrap_lines=True)
    if not printed.startswith("Diverged"):
        st.caption("The PyTorch script computes in float64 as this page does and agrees to at least 9 digits. "
                   "Keras on its torch backend multiplies in float32 even when asked for float64, so its numbers "
                   "agree to about 6 digits (b measured against the line's size, since b can be near 0). On "
                   "TensorFlow, where Keras also works out Adam's steps and its own schedules in float32, w and b "
                   "agree to about 5 digits and the loss, near its lowest, to at least 3.")
