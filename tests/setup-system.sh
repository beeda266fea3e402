#!/usr/bin/env bash
# System packages the tests need (Debian): Apache Jena (independent parser, SHACL and SPARQL engine),
# Graphviz (renders the ontology diagram and DOT exports), raptor (a third Turtle parser), Chromium
# and its driver (the browser test of the HTML view, driven by Playwright: never `playwright install`),
# Virtuoso Open Source (an external SPARQL engine the push tests start on loopback; the policy-rc.d below
# keeps its package from starting the system-wide server).
# Idempotent and quick when everything is already installed.
set -euo pipefail
need=()
for pkg in libapache-jena-java graphviz raptor2-utils default-jre-headless chromium chromium-driver virtuoso-opensource; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || need+=("$pkg")
done
if ((${#need[@]})); then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  # never let a package's post-install script start a server on this machine (removed again afterwards,
  # unless the machine already had a policy of its own)
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null; $SUDO chmod +x /usr/sbin/policy-rc.d
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "system packages ready: libapache-jena-java graphviz raptor2-utils chromium chromium-driver virtuoso-opensource" >&2
