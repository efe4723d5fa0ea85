"""Talon queue server: one per office, owns all queue state.

Kept empty on purpose: kiosk, display and bridge import ``server.contract`` and must not pull
Flask or SQLite in with it.
"""
