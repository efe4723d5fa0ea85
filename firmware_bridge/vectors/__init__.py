"""Test vectors shared by the Python protocol and the C codec (frames.txt) and their generator."""
