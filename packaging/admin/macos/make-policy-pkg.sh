#!/usr/bin/env bash
# UNTESTED (written without a Mac to run it): a flat installer package that places the Inhouse admin
# policy, for your MDM (Jamf Pro, Kandji, Mosyle, Intune for macOS: "upload a .pkg") or for
#   sudo installer -pkg Inhouse-Policy.pkg -target /
#
#   packaging/admin/macos/make-policy-pkg.sh policy.toml [VERSION] [SIGN_ID]
#
# The package installs /Library/Application Support/Inhouse/policy.toml owned by root:wheel, mode 0644
# (every user reads it, only an administrator can change it), the folder 0755. SIGN_ID is a
# "Developer ID Installer: ..." identity; MDMs require a signed package.
set -euo pipefail
policy=${1:?usage: make-policy-pkg.sh policy.toml [VERSION] [SIGN_ID]}
version=${2:-1}
sign_id=${3:-}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dest="$root/Library/Application Support/Inhouse"
mkdir -p "$dest"
cp "$policy" "$dest/policy.toml"
chmod 0755 "$dest"
chmod 0644 "$dest/policy.toml"
# --ownership recommended: files are installed as root:wheel whatever their owner here.
args=(--root "$root" --identifier org.inhouse.Inhouse.policy --version "$version" --ownership recommended
      --install-location /)
[ -n "$sign_id" ] && args+=(--sign "$sign_id")
pkgbuild "${args[@]}" Inhouse-Policy.pkg
echo "Inhouse-Policy.pkg (check on a test Mac: Inhouse policy show)"
