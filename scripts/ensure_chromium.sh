#!/usr/bin/env bash
# Debian's chromium + chromium-driver for the browser tests (tests/pages/test_browser.py).
# Installs them with apt-get when missing; fails with a clear message when it cannot.
set -u
have() { [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; }
if have; then
  echo "ensure_chromium: $(/usr/bin/chromium --version 2>/dev/null | head -1), chromedriver present"
  exit 0
fi
echo "ensure_chromium: installing chromium and chromium-driver with apt-get"
if ! command -v apt-get >/dev/null; then
  echo "ensure_chromium: apt-get not found: install Debian's chromium and chromium-driver" \
       "(/usr/bin/chromium, /usr/bin/chromedriver) to run the browser tests" >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver; }; then
  echo "ensure_chromium: could not install chromium/chromium-driver with apt-get (no root or no" \
       "package mirror?): install them by hand, the browser tests need /usr/bin/chromium and" \
       "/usr/bin/chromedriver" >&2
  exit 1
fi
have || { echo "ensure_chromium: chromium installed but /usr/bin/chromium or /usr/bin/chromedriver is missing" >&2; exit 1; }
echo "ensure_chromium: installed $(/usr/bin/chromium --version 2>/dev/null | head -1)"
