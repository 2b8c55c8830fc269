#!/usr/bin/env bash
# One entry point for people and CI.
#   ./build.sh dev    build, then run a local activated partition in the foreground (cloudhsm dev up)
#   ./build.sh test   install what the tests need, build, and run every test
#   ./build.sh demo   build, then run the end-to-end tour on a throwaway node
set -euo pipefail
cd "$(dirname "$0")"

need_packages() {
  # The tests drive real clients: openssl makes the owner's certificates, OpenSC's pkcs11-tool
  # drives the PKCS#11 module, and so do OpenSSL's pkcs11 engine (libp11) with nginx and curl,
  # Java's SunPKCS11 (keytool, jarsigner and jar: a JDK, not only a JRE), PyKCS11 under the
  # system python3, p11-kit and GnuTLS's p11tool. NativeAOT (the module is a native shared
  # library) links with clang and lld against zlib. Each is looked for by a file or a command it
  # installs, so a machine that has them installs nothing.
  local missing=()
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  command -v pkcs11-tool >/dev/null 2>&1 || missing+=(opensc)
  compgen -G '/usr/lib/*/engines-3/pkcs11.so' >/dev/null || missing+=(libengine-pkcs11-openssl)
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  /usr/bin/python3 -c 'import PyKCS11' >/dev/null 2>&1 || missing+=(python3-pykcs11)
  command -v p11-kit >/dev/null 2>&1 || missing+=(p11-kit)
  command -v p11tool >/dev/null 2>&1 || missing+=(gnutls-bin)
  { command -v jarsigner && command -v jar; } >/dev/null 2>&1 || missing+=(default-jdk-headless)
  command -v clang >/dev/null 2>&1 || missing+=(clang)
  command -v ld.lld >/dev/null 2>&1 || missing+=(lld)
  [ -e /usr/include/zlib.h ] || missing+=(zlib1g-dev)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    if [ "$(id -u)" = 0 ]; then
      # Installing nginx would start the system's nginx on port 80; the tests start their own on
      # loopback. policy-rc.d (Debian's hook) keeps package scripts from starting services meanwhile.
      local guard=
      if [ ! -e /usr/sbin/policy-rc.d ]; then
        guard=/usr/sbin/policy-rc.d
        printf '#!/bin/sh\nexit 101\n' > "$guard" && chmod 755 "$guard"
      fi
      local status=0
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } || status=$?
      if [ -n "$guard" ]; then rm -f "$guard"; fi
      [ "$status" = 0 ] || return "$status"
    else
      sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    fi
  fi
}

build() {
  dotnet build CloudHsm.slnx -c Release -nologo -v quiet
}

# The PKCS#11 module as applications load it: libcloudhsm_pkcs11.so (NativeAOT) in artifacts/pkcs11,
# where its tests find it. Incremental: the native step is skipped when nothing changed.
publish_pkcs11() {
  dotnet publish src/CloudHsm.Pkcs11/CloudHsm.Pkcs11.csproj -r linux-x64 -c Release -o artifacts/pkcs11 -nologo -v quiet
}

case "${1:-}" in
  dev)
    shift
    build
    exec dotnet src/CloudHsm.Cli/bin/Release/net10.0/cloudhsm.dll dev up "$@"
    ;;
  demo)
    build
    exec dotnet src/CloudHsm.Cli/bin/Release/net10.0/cloudhsm.dll demo
    ;;
  test)
    need_packages
    build
    publish_pkcs11
    log=$(mktemp)
    status=0
    dotnet test CloudHsm.slnx -c Release --no-build -nologo 2>&1 | tee "$log" || status=$?
    # One closing line that any reader of the log can count.
    passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
    failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
    rm -f "$log"
    echo "tests: ${passed} passed, ${failed} failed"
    if [ "$passed" = 0 ]; then echo "no test ran" >&2; exit 1; fi
    exit $status
    ;;
  *)
    echo "usage: ./build.sh dev [--dir DIR] | test | demo" >&2
    exit 2
    ;;
esac
