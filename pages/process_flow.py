"""Mode 1: the seven-node process flow, the current step's node highlighted."""

from lab_ui import frame
from lab_ui.stepping import stepped

frame.require()

stepped("process_flow")
