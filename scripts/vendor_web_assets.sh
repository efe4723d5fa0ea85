#!/usr/bin/env bash
# Refreshes the third-party web assets the pages serve themselves (offices run on a closed
# LAN: no CDN). Needs npm and network access to the npm registry; the results are committed,
# so neither `make run` nor `make test` runs this.
#   socket.io-client  -> server/web/static/vendor/socket.io.min.js (+ LICENSE)
#   @fontsource/pt-sans (ParaType PT Sans, SIL OFL 1.1, designed for Russian public signage)
#                     -> server/web/static/fonts/*.woff2 (+ OFL.txt), Cyrillic and Latin, 400/700
set -euo pipefail
SOCKET_IO=4.8.3
PT_SANS=5.3.0
root="$(cd "$(dirname "$0")/.." && pwd)"
static="$root/server/web/static"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "socket.io-client@$SOCKET_IO" "@fontsource/pt-sans@$PT_SANS" >/dev/null
mkdir io font
tar xzf "socket.io-client-$SOCKET_IO.tgz" -C io
tar xzf "fontsource-pt-sans-$PT_SANS.tgz" -C font
mkdir -p "$static/vendor" "$static/fonts"
cp io/package/dist/socket.io.min.js "$static/vendor/socket.io.min.js"
cp io/package/LICENSE "$static/vendor/socket.io.LICENSE"
for subset in cyrillic latin; do
  for weight in 400 700; do
    cp "font/package/files/pt-sans-$subset-$weight-normal.woff2" "$static/fonts/"
  done
done
cp font/package/LICENSE "$static/fonts/OFL.txt"
echo "socket.io-client $SOCKET_IO, @fontsource/pt-sans $PT_SANS" > "$static/vendor/VERSIONS"
