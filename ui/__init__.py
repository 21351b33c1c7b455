"""The Inhouse desktop app (PySide6).

Layering: ``ui`` talks only to ``app`` (the ``Assistant``, ``app.policy``, ``app.secrets``, the
``Store`` the assistant owns, ``app.inputs``) and to plain data types from ``inference``. It never
touches llama.cpp, SQLite or the network itself. Every model run goes through ``ui.worker.run_task``
so the GUI thread is never blocked.
"""
