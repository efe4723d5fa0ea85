"""The serial side of Talon: window LED boards, desk keypads, staff-call buttons and rating pads
on an RS-485 bus, and the bridge that connects them to the queue server.

``protocol`` owns the bytes on the wire (frames, CRC, messages; see PROTOCOL.md), ``link`` the
reliable link over them (acknowledgement, retransmission, duplicate suppression, the identify
handshake). ``firmware/`` holds the reference firmware in C, ``vectors/`` the test vectors that
the Python and C implementations both pass byte for byte.
"""
