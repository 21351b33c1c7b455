#!/bin/sh
# Install Inhouse from this unpacked folder (the tarball's Inhouse/).
#
#   ./install.sh               for you:       ~/.local/opt/inhouse, ~/.local/bin/inhouse, your app menu
#   sudo ./install.sh --system for everyone:  /opt/inhouse, /usr/local/bin/inhouse, the system app menu
#   ./install.sh --uninstall [--system]       remove what the same install added (your data stays)
#
# Silent by design (no questions): fleet tools can run it as is. Your data, settings and the admin policy
# (/etc/inhouse/policy.toml) are never touched.
set -eu

src=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
scope=user
action=install
for arg in "$@"; do
  case "$arg" in
    --system) scope=system ;;
    --uninstall) action=uninstall ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done

if [ "$scope" = system ]; then
  dest=/opt/inhouse; bin=/usr/local/bin; share=/usr/local/share
else
  dest="$HOME/.local/opt/inhouse"; bin="$HOME/.local/bin"; share="${XDG_DATA_HOME:-$HOME/.local/share}"
fi
sizes="16 24 32 48 64 128 256 512"

refresh() {
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$share/applications" || true
  command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$share/icons/hicolor" || true
}

if [ "$action" = uninstall ]; then
  rm -f "$bin/inhouse" "$share/applications/inhouse.desktop" "$share/metainfo/org.inhouse.Inhouse.metainfo.xml" \
        "$share/icons/hicolor/scalable/apps/inhouse.svg"
  for s in $sizes; do rm -f "$share/icons/hicolor/${s}x${s}/apps/inhouse.png"; done
  rm -rf "$dest"
  refresh
  echo "Inhouse removed from $dest (your data and settings are kept)."
  exit 0
fi

if [ "$src" != "$dest" ]; then
  rm -rf "$dest.new" && mkdir -p "$dest.new"
  cp -a "$src/." "$dest.new/"
  rm -rf "$dest" && mv "$dest.new" "$dest"
fi
mkdir -p "$bin" "$share/applications" "$share/metainfo"
ln -sf "$dest/Inhouse" "$bin/inhouse"
sed -e "s|^Exec=.*|Exec=\"$dest/Inhouse\" gui|" -e "s|^TryExec=.*|TryExec=$dest/Inhouse|" \
    "$dest/share/applications/inhouse.desktop" > "$share/applications/inhouse.desktop"
cp "$dest/share/metainfo/org.inhouse.Inhouse.metainfo.xml" "$share/metainfo/"
for s in $sizes; do
  mkdir -p "$share/icons/hicolor/${s}x${s}/apps"
  cp "$dest/share/icons/hicolor/${s}x${s}/apps/inhouse.png" "$share/icons/hicolor/${s}x${s}/apps/"
done
mkdir -p "$share/icons/hicolor/scalable/apps"
cp "$dest/share/icons/hicolor/scalable/apps/inhouse.svg" "$share/icons/hicolor/scalable/apps/"
refresh
echo "Inhouse installed in $dest; command: $bin/inhouse; it is in your applications menu."
