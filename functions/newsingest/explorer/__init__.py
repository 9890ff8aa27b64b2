"""The web explorer: a static single-page app (`static/`) and the local server that serves it and
forwards its API calls, signed with SigV4 (`server`)."""
