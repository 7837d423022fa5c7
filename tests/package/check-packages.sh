#!/usr/bin/env bash
# Uses the packages as a user would (issue 12): packs the solution into a temporary feed, checks that it holds exactly
# the library (Dsd.Core) and the tool (dsd, with its per-platform packages), installs the tool with
# `dotnet tool install --tool-path`, runs `dsd --version` and a real `dsd score`, then creates a console project that
# only does `dotnet add package Dsd.Core` and computes a DSD distance with the public API, built and run here (on a
# C++ runtime older than GCC 13 this is where the package's buildTransitive patch matters). The tool and the library
# must give the same distance; then every C# block of README.md and docs/*.md is compiled and run in that project,
# and its bin size measured with and without a RuntimeIdentifier. Needs the .NET SDK and unzip. One line per step; exits non-zero on the first failure.
# Usage: tests/package/check-packages.sh [--keep]   (--keep leaves the work folder for inspection)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
keep=false
[ "${1:-}" = "--keep" ] && keep=true
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/Directory.Build.props" | head -n 1)
packages=${NUGET_PACKAGES:-$HOME/.nuget/packages}
work=$(mktemp -d "${TMPDIR:-/tmp}/dsd-package-check.XXXXXX")
feed=$work/feed
ref=$repo/tests/Dsd.Tests/TestData/golden/random/ref_crop.png
dist=$repo/tests/Dsd.Tests/TestData/golden/random/dist_crop.png

# A check build of version X must not stay in (or come from) the NuGet cache under the real X.
forget() { rm -rf "$packages/dsd.core/$version" "$packages/dsd/$version" "$packages"/dsd.*-*/"$version"; }
cleanup() { forget; if $keep; then echo "work folder kept: $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
forget

fail() { echo "package check FAILED: $*" >&2; exit 1; }
started=$(date +%s)
step() { echo "package check: $1 ($(( $(date +%s) - started )) s)"; }
run() { # run LOG COMMAND...: quiet unless it fails
  local log=$work/$1.log; shift
  "$@" >"$log" 2>&1 || { tail -n 30 "$log" >&2; fail "$* (log: $log)"; }
}
command -v unzip >/dev/null || fail "unzip is needed to look inside the packages (apt-get install unzip)"

# 1. Pack: exactly the library and the tool.
# The build outputs go to the work folder (removed on exit), not to the projects' bin/ and obj/: a check leaves no
# gigabytes of Release and per-platform publish folders behind; those publish folders are hard-linked (thrown away).
run pack dotnet pack "$repo/Dsd.slnx" -c Release -o "$feed" --artifacts-path "$work/artifacts" -p:CreateHardLinksForPublishFilesIfPossible=true
actual=$(cd "$feed" && ls | sort | tr '\n' ' ')
expected=$(printf '%s\n' "Dsd.Core.$version.nupkg" "Dsd.Core.$version.snupkg" "dsd.$version.nupkg" \
  "dsd.linux-x64.$version.nupkg" "dsd.osx-arm64.$version.nupkg" "dsd.win-x64.$version.nupkg" | sort | tr '\n' ' ')
[ "$actual" = "$expected" ] || fail "the feed holds [$actual], expected [$expected]"
lib=$(unzip -l "$feed/Dsd.Core.$version.nupkg")
for f in lib/net10.0/Dsd.Core.dll lib/net10.0/Dsd.Core.xml README.md THIRD-PARTY-NOTICES.md buildTransitive/Dsd.Core.targets \
         buildTransitive/GlibcxxCompat.targets buildTransitive/GlibcxxCompat.cs models/psi-alpha2.safetensors models/psi-alpha4.safetensors \
         models/sr-dsd.safetensors models/sr-l1.safetensors models/deblur-dsd.safetensors models/deblur-l1.safetensors; do
  grep -q " $f\$" <<<"$lib" || fail "Dsd.Core.$version.nupkg lacks $f"
done
nuspec=$(unzip -p "$feed/Dsd.Core.$version.nupkg" Dsd.Core.nuspec)
for want in '<license type="expression">MIT</license>' '<readme>README.md</readme>' '<dependency id="TorchSharp-cpu"'; do
  grep -qF "$want" <<<"$nuspec" || fail "Dsd.Core.nuspec lacks $want"
done
grep -q 'Package Description' <<<"$nuspec" && fail "Dsd.Core.nuspec has the SDK's default description"
tool_nuspec=$(unzip -p "$feed/dsd.$version.nupkg" dsd.nuspec)
grep -q '<packageType name="DotnetTool"' <<<"$tool_nuspec" || fail "dsd.$version.nupkg is not a .NET tool"
# Only what runs (build/UnusedNatives.targets): no Python binding, no libtorch test or Android libraries in any tool package.
for rid in linux-x64 osx-arm64 win-x64; do
  unused=$(unzip -l "$feed/dsd.$rid.$version.nupkg" | grep -oE '(libtorch_python|libtorchbind_test|libjitbackend_test|libbackend_with_compiler|libaoti_custom_ops|libnnapi_backend)\.[a-z]+' || true)
  [ -z "$unused" ] || fail "dsd.$rid.$version.nupkg carries libraries that never run: $(echo $unused)"
done
# The listing is read whole before it is searched: with pipefail, `unzip -l | grep -q` fails at random when grep stops
# at the first match and unzip, still writing the rest of a long listing, dies of SIGPIPE.
tool_linux=$(unzip -l "$feed/dsd.linux-x64.$version.nupkg")
grep -q 'linux-x64/libtorch_cpu.so$' <<<"$tool_linux" || fail "dsd.linux-x64.$version.nupkg lacks libtorch_cpu.so"
# The three platforms' runtime packs are restored only to pack the tool, not for a plain build (README "Set up").
rids=$(dotnet msbuild "$repo/src/Dsd.Cli" -getProperty:RuntimeIdentifiers)
[ -z "$rids" ] || fail "a plain build of src/Dsd.Cli restores RuntimeIdentifiers '$rids' (runtime packs nothing uses)"
step "packed $(ls "$feed" | wc -l) files: $(cd "$feed" && du -h -- * | awk '{printf "%s %s; ", $2, $1}')"

# 2. The tool, installed from the feed.
run install dotnet tool install dsd --version "$version" --tool-path "$work/tool" --add-source "$feed"
shown=$("$work/tool/dsd" --version)
case "$shown" in "$version"|"$version+"*) ;; *) fail "dsd --version printed '$shown', expected $version" ;; esac
step "dotnet tool install dsd: ok; dsd --version: $shown"

# Offline, with no weights set up: the tool must use the VGG19 subset built into the library.
DSD_HOME=$work/home DSD_OFFLINE=1 DSD_VGG19_WEIGHTS= "$work/tool/dsd" score --ref "$ref" --dist "$dist" --metrics dsd --format csv --out "$work/score.csv" \
  >"$work/score.log" 2>&1 || { cat "$work/score.log" >&2; fail "dsd score"; }
tool_dsd=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "dsd") c = i } NR == 2 { print $c }' "$work/score.csv")
[ -n "$tool_dsd" ] || fail "dsd score wrote no dsd column: $(cat "$work/score.csv")"
step "dsd score: dsd = $tool_dsd"

# 3. A new console project with only `dotnet add package Dsd.Core` (this feed first, then the usual nuget.org).
cat >"$work/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="check" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
EOF
run new dotnet new console -o "$work/app" -n DsdConsumer
run add dotnet add "$work/app/DsdConsumer.csproj" package Dsd.Core --version "$version"
cat >"$work/app/Program.cs" <<'EOF'
using Dsd.Dissimilarity;
using Dsd.Features;
using Dsd.Imaging;
using Dsd.NoReference;
using Dsd.Quality;
using Dsd.Restoration;
using Dsd.Weights;

// args: reference image, distorted image; VGG19 conv1_1…conv3_1 come built into the library.
using var weights = VggWeights.Embedded();
using var vgg = new Vgg19Features(DsdOptions.ImageQuality.Layers, weights);
using var reference = ImageIo.Load(args[0]);
using var distorted = ImageIo.Load(args[1]);
using var fx = Fingerprint.Compute(vgg, distorted, DsdOptions.ImageQuality);
using var fy = Fingerprint.Compute(vgg, reference, DsdOptions.ImageQuality);
using var d = DsdDistance.Between(fx, fy);
Console.WriteLine($"dsd {d.item<float>().ToString("R", System.Globalization.CultureInfo.InvariantCulture)}");
Console.WriteLine($"psi alpha4 {(ShippedRegressors.PathFor(4) is null ? "missing" : "shipped")}");
// The shipped ×4 SR model in one call: a 4×4 image becomes 16×16.
using var sr = ShippedModels.Load(RestorationTask.SuperResolution);
using var up = sr.call(distorted.narrow(2, 0, 4).narrow(3, 0, 4));
Console.WriteLine($"sr model {up.shape[2]}x{up.shape[3]}");
EOF
run build dotnet build "$work/app" -c Release
[ -f "$work/app/bin/Release/net10.0/models/psi-alpha4.safetensors" ] || fail "the package did not copy models/psi-alpha4.safetensors to the output"
out=$(dotnet "$work/app/bin/Release/net10.0/DsdConsumer.dll" "$ref" "$dist" 2>&1) || { echo "$out" >&2; fail "the consumer project failed to run"; }
lib_dsd=$(sed -n 's/^dsd //p' <<<"$out")
grep -qx 'psi alpha4 shipped' <<<"$out" || fail "the consumer does not see the shipped psi: $out"
grep -qx 'sr model 16x16' <<<"$out" || fail "the consumer cannot run the shipped sr model: $out"
awk -v a="$tool_dsd" -v b="$lib_dsd" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b > 0 && d <= 1e-6 * b) }' \
  || fail "the library gave dsd = $lib_dsd, the tool $tool_dsd"
step "console project with dotnet add package Dsd.Core: dsd = $lib_dsd (same as the tool), psi and restoration models in its output"
bin_all=$(du -sm "$work/app/bin/Release/net10.0" | cut -f1)

# 4. Every C# block of README.md and docs/*.md, compiled and run against the package exactly as written (issue 23), in
# a folder holding the files the examples name (reference.png, distorted.png, small.png); args are the two images.
blocks=$work/blocks
mkdir -p "$blocks" "$work/docrun"
for doc in "$repo/README.md" "$repo"/docs/*.md; do
  awk -v out="$blocks" -v name="$(basename "$doc" .md)" \
    '/^```csharp$/ { n++; f = sprintf("%s/%s-%d.cs", out, name, n); inside = 1; next } /^```/ && inside { inside = 0; next } inside { print > f }' "$doc"
done
cp "$ref" "$work/docrun/reference.png"; cp "$dist" "$work/docrun/distorted.png"; cp "$dist" "$work/docrun/small.png"
count=0
for block in "$blocks"/*.cs; do
  [ -e "$block" ] || fail "no C# block found in README.md or docs/*.md"
  name=$(basename "$block" .cs)
  cp "$block" "$work/app/Program.cs"
  run "build-$name" dotnet build "$work/app" -c Release
  (cd "$work/docrun" && dotnet "$work/app/bin/Release/net10.0/DsdConsumer.dll" reference.png distorted.png) >"$work/run-$name.log" 2>&1 \
    || { cat "$work/run-$name.log" >&2; fail "the C# block $name (README.md or docs/) does not run as documented"; }
  count=$((count + 1))
done
step "$count C# blocks of README.md and docs/ compile and run against the package"

# 5. One platform's natives: RuntimeIdentifier keeps only them (README "Use the library from NuGet" quotes both sizes).
run build-rid dotnet build "$work/app" -c Release -p:RuntimeIdentifier=linux-x64 -o "$work/app-rid"
bin_rid=$(du -sm "$work/app-rid" | cut -f1)
step "consumer bin: ${bin_all} MB for every platform, ${bin_rid} MB with RuntimeIdentifier=linux-x64"
echo "package check: passed in $(( $(date +%s) - started )) s"
