"""The ticket kiosk: a Raspberry Pi with a touch screen, a thermal printer and buttons.

It talks to the queue server over HTTP and Socket.IO only (and imports nothing from it but
``server.contract``). ``docs/kiosk.md`` describes the whole; the modules, by what they own:

* printing: ``printed_ticket`` (what goes on the paper), ``printer_config`` (the
  ``[printer]`` section), ``printer_status`` (what the printer says about itself),
  ``ticket_image`` (raster rendering), ``printer`` (the python-escpos adapter),
  ``issued_ticket`` (a server answer to a paper ticket), ``preview`` (the demo's copies);
* the agent: ``agent`` (a visitor's choice to a printed ticket), ``journal`` (the states of
  a request, pure) and ``journal_store`` (SQLite, synced), ``server_api`` (HTTP),
  ``realtime`` (Socket.IO: print requests from the console);
* what a visitor sees and touches: ``screen`` (modes and LEDs, pure), ``menu`` (topics and
  groups, pure), ``web`` (the touch page and its local API), ``gpio`` (buttons and LEDs),
  ``cooldown`` and ``staff_call`` (when a press counts, pure);
* ``config`` (the whole kiosk.toml), ``wiring`` (builds it all), ``cli`` (``talon kiosk``).
"""
