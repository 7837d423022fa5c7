#!/usr/bin/env bash
# What a first build downloads and unpacks (README "Set up"; issue 23 item 9): restores a project or the solution into
# empty NuGet folders (packages and HTTP cache, both temporary) and prints the package count, the bytes downloaded
# (the .nupkg files) and the size of the unpacked cache. Needs network access to nuget.org.
#   bench/restore-size.sh [src/Dsd.Cli | Dsd.slnx]      (default: src/Dsd.Cli, what `dotnet run --project src/Dsd.Cli` restores)
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-src/Dsd.Cli}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A copy of the sources without bin/ and obj/, so that this checkout's restore state is left alone.
tar -cf - --exclude=bin --exclude=obj --exclude=.git Directory.Build.props Directory.Packages.props Dsd.slnx build src tests bench \
  | tar -xf - -C "$work" && mkdir -p "$work/src-copy" && mv "$work"/{Directory.Build.props,Directory.Packages.props,Dsd.slnx,build,src,tests,bench} "$work/src-copy"
NUGET_PACKAGES=$work/packages NUGET_HTTP_CACHE_PATH=$work/http dotnet restore "$work/src-copy/$target" >"$work/restore.log" 2>&1 \
  || { tail -n 20 "$work/restore.log" >&2; exit 1; }
count=$(find "$work/packages" -mindepth 2 -maxdepth 2 -type d | wc -l)
downloaded=$(find "$work/packages" -name '*.nupkg' -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f", s / 1e6 }')
unpacked=$(du -sh "$work/packages" | awk '{ print $1 }')
echo "$target: $count package versions, $downloaded MB downloaded, $unpacked unpacked (du -h: GiB)"
find "$work/packages" -mindepth 2 -maxdepth 2 -type d -printf '%P\n' | sort | tr '\n' ' '; echo
