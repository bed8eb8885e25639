"""Mode 9: the transcript, the sentence for the current step highlighted."""

from lab_ui import frame
from lab_ui.stepping import stepped

frame.require()

stepped("full_transcript")
