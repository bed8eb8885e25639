"""Mode 1: the seven-node process flow, the current step's node highlighted."""

from lab_ui import frame
from lab_ui.panels import show_flow, show_step_card
from lab_ui.stepping import stepped

frame.require()


def render(trace, step):
    show_flow(trace, step, graphviz=True)
    show_step_card(trace, step)


stepped(render)
