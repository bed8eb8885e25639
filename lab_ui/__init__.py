"""The Streamlit side of the lab, shared by every page (the engine has no Streamlit in it).

frame     — the page list, the frame around every page, the sidebar
state     — session-state keys, the step cursor (engine.player.Player), the URL
stepping  — the step controls: buttons, slider, keys, autoplay, predict-then-step
panels    — the views several pages show: flow, step card, notes, variables, tables
server    — the store, progress and traces opened once per process; socket settings
"""
