"""The ticket kiosk: a Raspberry Pi with a touch screen, a thermal printer and buttons.

It talks to the queue server over HTTP only (and imports nothing from it but
``server.contract``). Printing lives in ``printed_ticket`` (what goes on the paper),
``printer_config`` (the ``[printer]`` section of kiosk.toml), ``printer_status`` (what the
printer says about itself), ``ticket_image`` (raster rendering) and ``printer`` (the
python-escpos adapter).
"""
