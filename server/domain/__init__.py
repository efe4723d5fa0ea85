"""The pure core: office model, tickets, windows, dispatch, schedule.

Plain Python (and pydantic for validated value objects): no Flask, SQLite, Socket.IO or hardware.
"""
