#!/usr/bin/env bash
# Build Cirrus.app signed with a Developer ID, then sign, notarise and staple the .dmg.
#
# Needs, on a Mac with Xcode's command line tools:
#   - a "Developer ID Application" certificate in the login keychain;
#   - a notarytool profile, stored once with
#       xcrun notarytool store-credentials cirrus-notary \
#         --apple-id YOU@EXAMPLE.COM --team-id TEAMID --password APP-SPECIFIC-PASSWORD
#
#   CIRRUS_CODESIGN_IDENTITY="Developer ID Application: NAME (TEAMID)" \
#     packaging/macos/sign_and_notarize.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

identity=${CIRRUS_CODESIGN_IDENTITY:?set CIRRUS_CODESIGN_IDENTITY to your Developer ID Application identity}
profile=${CIRRUS_NOTARY_PROFILE:-cirrus-notary}
python=${PYTHON:-python3}

# cirrus.spec signs every binary and the app with this identity, hardened runtime on.
CIRRUS_CODESIGN_IDENTITY="$identity" "$python" packaging/build.py

version=$("$python" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
app=dist/Cirrus.app
dmg="dist/Cirrus-$version.dmg"

codesign --verify --deep --strict --verbose=2 "$app"
codesign --force --timestamp --sign "$identity" "$dmg"
xcrun notarytool submit "$dmg" --keychain-profile "$profile" --wait
xcrun stapler staple "$dmg"
xcrun stapler validate "$dmg"
spctl --assess --type open --context context:primary-signature --verbose "$dmg"
echo "signed, notarised and stapled: $dmg"
