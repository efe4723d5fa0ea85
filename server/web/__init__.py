"""The web edge: HTTP API, Socket.IO push, pages. Translates core errors into responses."""
