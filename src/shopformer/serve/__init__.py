"""The real-time server: FastAPI over one workspace (`create_app`), started by
`shopformer serve`. One router per capability under `routes/`; `state.py` holds the live
state and the models behind every answer."""
