#!/usr/bin/env bash
# Builds and runs the TorchSharp sample (arguments go to the sample). TorchSharp 0.107.0's native glue needs
# GCC 13's libstdc++ (GLIBCXX_3.4.32) for one symbol, std::ios_base_library_init; where the system's libstdc++ is
# older (Debian 12 ships GCC 12's), this script marks that version requirement weak and preloads a stand-in
# (compat/). Elsewhere (Debian 13, Ubuntu 24.04) it runs the sample as is.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 MSBUILDDISABLENODEREUSE=1
dotnet build "$here" -c Release -v q -nologo >&2
out="$here/bin/Release/net10.0"
glue="$out/runtimes/linux-x64/native/libLibTorchSharp.so"
# The build copies the glue afresh from the NuGet cache whenever it likes, so check (and patch) after every build.
# (ldd's output is kept first: grep -q closing the pipe early would fail the pipeline under pipefail.)
missing=$(ldd "$glue" 2>&1 || true)
if [[ "$missing" == *"version \`GLIBCXX_3.4.32' not found"* ]]; then
  mkdir -p "$here/obj/compat"
  g++ -shared -fPIC -O2 -o "$here/obj/compat/libios_base_library_init.so" "$here/compat/ios_base_library_init.cpp" \
    -Wl,--version-script="$here/compat/ios_base_library_init.map"
  # TorchSharp loads its natives from $out/cpu (copied there from the NuGet cache on first run): patch both copies.
  for f in "$glue" "$out/cpu/libLibTorchSharp.so"; do
    [ -f "$f" ] && /usr/bin/python3 "$here/compat/weak_version.py" "$f" GLIBCXX_3.4.32 >&2
  done
  export LD_PRELOAD="$here/obj/compat/libios_base_library_init.so${LD_PRELOAD:+:$LD_PRELOAD}"
fi
exec dotnet "$out/TorchSharpSample.dll" "$@"
