"""The serial side of Talon: window LED boards, desk keypads, staff-call buttons and rating pads
on an RS-485 bus, and the bridge that connects them to the queue server.

The protocol: ``protocol`` owns the bytes on the wire (frames, CRC, messages; see PROTOCOL.md),
``link`` the reliable link over them (acknowledgement, retransmission, duplicate suppression,
the identify handshake). ``firmware/`` holds the reference firmware in C, ``vectors/`` the test
vectors that the Python and C implementations both pass byte for byte.

The bridge (``talon bridge --config bridge.toml``; docs/bridge.md): ``config`` reads
bridge.toml; the pure core is ``office_mirror`` (the server's windows, from its snapshot and
events), ``board_display`` (a window's state as a board command) and ``board_actions`` (a
board's press as a server request, its trouble as a fault); ``bridge`` makes the decisions;
at the edges ``bus`` drives the link over a port that may vanish (``serial_port``: pyserial),
``outbox`` gets requests through short server outages, ``server_client`` speaks HTTP and
Socket.IO; ``cli`` wires them. ``simulator`` plays the boards (over a pty or in process) for
tests and the demo, ``status_page`` shows them in a browser.
"""
