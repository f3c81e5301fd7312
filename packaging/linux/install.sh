#!/bin/sh
# Install the one-folder bundle (dist/warroom, from `make bundle`) for one user or
# for everyone, with its desktop entry, AppStream metainfo, MIME types and icons.
#
#   packaging/linux/install.sh [PREFIX]      default PREFIX: ~/.local
#   sudo packaging/linux/install.sh /usr/local
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PREFIX=${1:-"$HOME/.local"}
BUNDLE="$ROOT/dist/warroom"
SHARE="$ROOT/dist/share"
APP_ID=org.warroom.WarRoom

if [ ! -x "$BUNDLE/warroom" ] || [ ! -d "$SHARE/icons/hicolor" ]; then
    echo "No bundle in $BUNDLE: build it first with make bundle." >&2
    exit 2
fi
mkdir -p "$PREFIX/lib" "$PREFIX/bin" "$PREFIX/share/applications" "$PREFIX/share/metainfo" \
         "$PREFIX/share/mime/packages" "$PREFIX/share/icons"
rm -rf "$PREFIX/lib/warroom"
cp -a "$BUNDLE" "$PREFIX/lib/warroom"
ln -sf "$PREFIX/lib/warroom/warroom" "$PREFIX/bin/warroom"
ln -sf "$PREFIX/lib/warroom/warroom-cli" "$PREFIX/bin/warroom-cli"
# The desktop entry starts the installed program by its full path.
sed "s|^Exec=warroom |Exec=$PREFIX/bin/warroom |; s|^TryExec=warroom$|TryExec=$PREFIX/bin/warroom|" \
    "$HERE/$APP_ID.desktop" > "$PREFIX/share/applications/$APP_ID.desktop"
cp "$HERE/$APP_ID.metainfo.xml" "$PREFIX/share/metainfo/"
cp "$HERE/$APP_ID.xml" "$PREFIX/share/mime/packages/"
cp -a "$SHARE/icons/hicolor" "$PREFIX/share/icons/"
command -v update-mime-database >/dev/null && update-mime-database "$PREFIX/share/mime" || true
command -v update-desktop-database >/dev/null && update-desktop-database "$PREFIX/share/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$PREFIX/share/icons/hicolor" || true
echo "War room installed in $PREFIX (programs in $PREFIX/bin)."
