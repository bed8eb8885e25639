"""Mode 1: the seven-node process flow, the current step's node highlighted."""

from app import setup, show_flow, show_step_card, stepped

trace, _ = setup("Process flow", "🔀")


def render(trace, step):
    show_flow(trace, step, graphviz=True)
    show_step_card(trace, step)


stepped(render)
