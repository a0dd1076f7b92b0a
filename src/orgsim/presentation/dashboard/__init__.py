"""The interactive browser dashboard (``orgsim dashboard``), built on Solara and Mesa's viz components."""
