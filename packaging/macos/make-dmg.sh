#!/usr/bin/env bash
# UNTESTED (written without a Mac to run it): sign, package and notarize Inhouse.app as a .dmg.
#
#   make package                                   # on macOS: dist/Inhouse.app (PyInstaller, bundle id org.inhouse.Inhouse)
#   packaging/macos/make-dmg.sh                    # unsigned dist/Inhouse-VERSION-macos-ARCH.dmg (for testing only)
#   SIGN_ID="Developer ID Application: Example Ltd (TEAMID)" NOTARY_PROFILE=inhouse-notary packaging/macos/make-dmg.sh
#
# The publisher's steps, with their own certificate (packaging/README.md, "Signing"):
#   1. a "Developer ID Application" certificate in the login keychain (SIGN_ID names it);
#   2. once: xcrun notarytool store-credentials inhouse-notary --apple-id ID --team-id TEAMID
#      (an app-specific password), then NOTARY_PROFILE=inhouse-notary;
#   3. this script: codesign every Mach-O inside-out with the hardened runtime, the .app, the .dmg;
#      notarytool submit --wait; stapler staple. Gatekeeper then opens it without a warning.
set -euo pipefail
cd "$(dirname "$0")/../.."
app=${APP:-dist/Inhouse.app}
[ -d "$app" ] || { echo "no $app: run make package on macOS first" >&2; exit 1; }
version=$(/usr/libexec/PlistBuddy -c 'Print :CFBundleShortVersionString' "$app/Contents/Info.plist")
dmg=dist/Inhouse-$version-macos-$(uname -m).dmg
entitlements=packaging/macos/entitlements.plist

if [ -n "${SIGN_ID:-}" ]; then
  # Inside-out: every dylib/.so first, then the executables, then the bundle. No --deep (Apple advises
  # against it: it signs everything with the outer options).
  find "$app/Contents" -type f \( -name '*.dylib' -o -name '*.so' \) -print0 |
    xargs -0 codesign --force --timestamp --options runtime --sign "$SIGN_ID"
  find "$app/Contents/Frameworks" -type d -name '*.framework' -prune -print0 2>/dev/null |
    xargs -0 -r codesign --force --timestamp --options runtime --sign "$SIGN_ID"
  codesign --force --timestamp --options runtime --entitlements "$entitlements" --sign "$SIGN_ID" \
    "$app/Contents/MacOS/Inhouse"
  codesign --force --timestamp --options runtime --entitlements "$entitlements" --sign "$SIGN_ID" "$app"
  codesign --verify --strict --verbose=2 "$app"
fi

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"     # drag-to-install
rm -f "$dmg"
hdiutil create -volname "Inhouse" -srcfolder "$staging" -fs HFS+ -format UDZO -ov "$dmg"

if [ -n "${SIGN_ID:-}" ]; then
  codesign --force --timestamp --sign "$SIGN_ID" "$dmg"
  if [ -n "${NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$dmg" --keychain-profile "$NOTARY_PROFILE" --wait
    xcrun stapler staple "$dmg"
    spctl --assess --type open --context context:primary-signature --verbose=2 "$dmg"
  fi
fi
echo "$dmg"
