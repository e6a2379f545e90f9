"""Learning-Rate Explorer: the home page, the lesson in six chapters."""

import streamlit as st

from ui import chapters, controls, state
from ui.views import lesson

st.set_page_config(page_title="Learning-Rate Explorer", page_icon="📉", layout="wide")

LESSON = state.LESSON
current = controls.sidebar(LESSON, progress=False)

embedded = controls.embedded()  # in a course page: the linked chapter alone, no sidebar

st.title("Learning-Rate Explorer")
st.markdown(
    "Fit a straight line `y = w*x + b` to a cloud of points by making the **loss**, the mean squared error, as "
    "small as it goes. Each chapter asks you to **predict** what gradient descent will do on these points, then "
    "shows you, with the numbers that decide it."
    + ("" if embedded else " Change the points in the sidebar and the answers change with them.")
)
controls.show_notices()

number = int(controls.linked(LESSON["chapter"]) if embedded else controls.choice(LESSON["chapter"]))
chapters.show(number, current)
if embedded:
    st.stop()

st.divider()
back, ahead = st.columns(2)
if number > 1:
    before = lesson.CHAPTERS[number - 2]
    back.button(f"← {before.number}. {before.title}", key="lesson_back", on_click=controls.set_value,
                args=("chapter", str(before.number)), width="stretch")
if number < len(lesson.CHAPTERS):
    after = lesson.CHAPTERS[number]
    ahead.button(f"{after.number}. {after.title} →", key="lesson_next", on_click=controls.set_value,
                 args=("chapter", str(after.number)), width="stretch", type="primary")
else:
    ahead.caption("That was the last chapter. Every page of the app is in the sidebar.")
controls.lesson_progress(current.data.fingerprint)
