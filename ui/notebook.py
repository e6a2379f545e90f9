"""An exported run as a Jupyter notebook to take home.

The notebook holds the exported script (``lrcore.export``) cut at its
sections (the points, the training, the result) into cells of their own,
after a note on what the learner was exploring with the link back to the
app, and ends with a plot of the loss against the step and of the line over
the points. ``nbformat`` writes and checks it; nothing in it is run here.
"""

from __future__ import annotations

import nbformat
from nbformat import v4

from lrcore import export

#: The last cell: the loss on all the points at every step (the script's
#: ``history``) and the points with the line the run ended on.
PLOT = '''\
import matplotlib.pyplot as plt

points_x = np.asarray(x, dtype=float).ravel()
points_y = np.asarray(y, dtype=float).ravel()
shown = np.random.default_rng(0).permutation(points_x.size)[:2000]  # at most 2,000 points drawn
steps_run = np.arange(len(history))
losses = np.array([row[2] for row in history])
# the last step within the limit: a run that diverged ends one row past it
w_end, b_end = history[-2][:2] if diverged_at is not None else history[-1][:2]

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
left.plot(steps_run, losses)
if np.all(np.isfinite(losses)) and np.all(losses > 0):
    left.set_yscale("log")
left.set_xlabel("step")
left.set_ylabel("loss on all the points")
left.set_title("Loss against step")
right.scatter(points_x[shown], points_y[shown], s=8, alpha=0.5, label="points")
ends = np.array([points_x.min(), points_x.max()])
sign = "+" if b_end >= 0 else "-"
right.plot(ends, w_end * ends + b_end, color="C1", label=f"y = {w_end:.4g}*x {sign} {abs(b_end):.4g}")
right.set_xlabel("x")
right.set_ylabel("y")
right.set_title("The line before the run diverged" if diverged_at is not None else "The line the run ended on")
right.legend()
plt.show()
'''

FRAMEWORKS = {"keras": "Keras", "pytorch": "PyTorch"}


def _parts(script: str) -> tuple[str, list[str]]:
    """The script's docstring, and its code cut at ``export.SECTIONS``:
    [imports and the points, the training, the result]."""
    if not script.startswith('"""'):
        raise ValueError("an exported script starts with its docstring")
    docstring, code = script[3:].split('"""', 1)
    first, training = code.split(export.SECTIONS[1], 1)
    training, result = training.split(export.SECTIONS[2], 1)
    return docstring.strip(), [first.strip() + "\n", training.strip() + "\n", result.strip() + "\n"]


def notebook(script: str, framework: str, *, exploring: str, link: str) -> str:
    """The notebook (its JSON text) of one exported ``script`` in
    ``framework`` ("keras" or "pytorch"). ``exploring``: a sentence on what
    the learner was exploring; ``link``: the app's address with their settings.

    >>> import lrcore
    >>> code = lrcore.export.pytorch_script(lrcore.make_data(n=5), 0.01, steps=3)
    >>> nb = nbformat.reads(notebook(code, "pytorch", exploring="A test.", link="http://x"), as_version=4)
    >>> [cell.cell_type for cell in nb.cells]
    ['markdown', 'code', 'markdown', 'code', 'code', 'markdown', 'code']
    """
    name = FRAMEWORKS[framework]
    docstring, (points, training, result) = _parts(script)
    summary = docstring.splitlines()[0]
    running = f"Run the cells from the top; they need numpy, {framework.replace('pytorch', 'torch')} and matplotlib."
    if framework == "keras":
        running += (" Keras 3 runs on TensorFlow or PyTorch: with only PyTorch, start Jupyter with "
                    "`KERAS_BACKEND=torch` set.")
    cells = [
        v4.new_markdown_cell(
            f"# {summary}\n\n{exploring}\n\n[Open this view in Learning-Rate Explorer]({link}): the same "
            f"settings; pick this schedule under \"Show the code\" to see the line this notebook prints."
            f"\n\n{running}"
        ),
        v4.new_code_cell(points),
        v4.new_markdown_cell(f"## Training with {name}\n\nThe same run as the app's: the same start, "
                             "loss, optimizer, learning-rate schedule and batches. `history` keeps "
                             "(w, b, loss on all the points) after every step."),
        v4.new_code_cell(training),
        v4.new_code_cell(result),
        v4.new_markdown_cell("## Loss against step, and the line"),
        v4.new_code_cell(PLOT),
    ]
    nb = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    nbformat.validate(nb)
    return nbformat.writes(nb)


def notebook_bytes(script: str, framework: str, *, exploring: str, link: str) -> bytes:
    """:func:`notebook` as a file's bytes (UTF-8), for a download button."""
    return notebook(script, framework, exploring=exploring, link=link).encode()
