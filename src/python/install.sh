#!/usr/bin/env bash
# Builds libwsss_refine.so (NativeAOT publish of src/WsssGpuRefine.Native; needs the .NET SDK, clang and zlib1g-dev)
# and installs the wsss_refine package for one Python interpreter, offline.
#
#   src/python/install.sh                    # Debian's /usr/bin/python3 (numpy from python3-numpy)
#   src/python/install.sh ~/venv/bin/python  # a venv or conda interpreter (numpy must already be installed there)
#
# pip runs without build isolation and without dependency resolution (--no-build-isolation --no-deps), so nothing
# is downloaded. Debian marks its interpreter externally managed (PEP 668); for that interpreter only, the install
# adds --break-system-packages (the package then lives in /usr/local/lib/python3*/dist-packages, beside Debian's
# own packages, and touches none of them). A venv or conda interpreter never gets that flag.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
python="${1:-/usr/bin/python3}"
out="$root/src/WsssGpuRefine.Native/bin/publish"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 MSBUILDDISABLENODEREUSE=1
log="$(mktemp)"
# Silk.NET's and SkiaSharp's AOT analysis warnings are known (see the .csproj); print the log only on failure.
dotnet publish "$root/src/WsssGpuRefine.Native" -c Release -r linux-x64 -o "$out" -nologo >"$log" 2>&1 || { cat "$log"; rm -f "$log"; exit 1; }
rm -f "$log"
# A new file renamed over the old one: a Python process that has the old library mapped keeps running.
install -m 0755 "$out/wsss_refine.so" "$root/src/python/wsss_refine/libwsss_refine.so.new"
mv -f "$root/src/python/wsss_refine/libwsss_refine.so.new" "$root/src/python/wsss_refine/libwsss_refine.so"
# SkiaSharp's native library (JPEG/PNG decoding) is not linked into the NativeAOT library: it sits beside it, where
# the runtime looks for it first.
install -m 0755 "$out/libSkiaSharp.so" "$root/src/python/wsss_refine/libSkiaSharp.so.new"
mv -f "$root/src/python/wsss_refine/libSkiaSharp.so.new" "$root/src/python/wsss_refine/libSkiaSharp.so"

sudo=()
flags=(--no-build-isolation --no-deps --no-index --disable-pip-version-check --root-user-action=ignore --quiet)
if "$python" - <<'PY'
import sys, sysconfig, os
managed = os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))
sys.exit(0 if managed and sys.prefix == sys.base_prefix else 1)
PY
then
  flags+=(--break-system-packages)
  # The system interpreter's site-packages belong to root; the library above was built as the calling user.
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then sudo=(sudo); fi
fi
"${sudo[@]}" "$python" -m pip install "${flags[@]}" "$root/src/python"
"${sudo[@]}" rm -rf "$root/src/python/build" "$root/src/python/"*.egg-info
"$python" -c "import wsss_refine as wr; e = wr.Engine('cpu'); print('wsss_refine installed for', __import__('sys').executable, '-', e); e.close()"
