"""The home page: the step-by-step walkthrough of the current scenario's run."""

from lab_ui import frame, state
from lab_ui.panels import show_scenario, walkthrough
from lab_ui.stepping import stepped

frame.require()

trace = state.current_trace()
show_scenario(trace, state.player(trace).step)
stepped(walkthrough)
