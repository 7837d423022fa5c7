using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Dsd.Tests.Cli;
using Dsd.Tests.Training;
using Dsd.Regressor;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Dsd.Tests.Robustness;

/// <summary>
/// The generated hostile set of issue 22, the classes a byte-mutating fuzzer does not reach: special files (named pipes,
/// sockets, device links, directories and dangling links named like inputs), an output that is an input under another
/// name (the same string, ./, a symbolic link, a hard link, a linked folder, a case-only difference), images too small
/// for each metric, and edited fields of score JSON and training checkpoints. Every case runs through the command line
/// and is judged: a clean error (one "dsd: error:" line, exit 1–5), accepted (exit 0), unhandled (exit 6 or a stack
/// trace), hung (still running after two minutes; special files run in a child process for this), or data lost (an
/// input changed, a good pair left unscored, or a document written although the command failed). The last three must
/// be zero.
/// </summary>
[Collection(CliHarness.Name)]
public sealed class HostileInputSetTests(ITestOutputHelper output) : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("dsd-hostile-").FullName;

    public void Dispose()
    {
        foreach (var link in Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories).Where(p => new FileInfo(p).LinkTarget is not null).ToList())
            File.Delete(link);
        Directory.Delete(dir, recursive: true);
    }

    enum Outcome { CleanError, Accepted, Unhandled, Hung, DataLost }

    readonly List<(string Class, string Case, Outcome Outcome, string Detail)> results = [];

    static string Hash(string path) => File.Exists(path) ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))) : "absent";

    /// <summary>
    /// Runs one case: <paramref name="protect"/> must be unchanged afterwards, <paramref name="check"/> (given the exit
    /// code) says whether the results the command owed were written; <paramref name="child"/> runs it in a child process
    /// with a time limit.
    /// </summary>
    void Case(string kind, string name, string[] args, string[] protect, Func<int, bool>? check = null, bool child = false)
    {
        var before = protect.Select(Hash).ToList();
        int code;
        string err;
        if (child)
        {
            var (c, _, e, hung) = DsdProcess.Run(TimeSpan.FromMinutes(2), args).GetAwaiter().GetResult();
            if (hung) { Record(kind, name, Outcome.Hung, string.Join(' ', args)); return; }
            (code, err) = (c, e);
        }
        else (code, _, err) = CliHarness.Run(args);
        var lost = protect.Where((p, i) => Hash(p) != before[i]).ToList();
        if (lost.Count > 0) Record(kind, name, Outcome.DataLost, $"changed {string.Join(", ", lost)}");
        else if (code == 6 || err.Contains("internal error", StringComparison.Ordinal) || err.Contains("   at ", StringComparison.Ordinal))
            Record(kind, name, Outcome.Unhandled, err.Trim());
        else if (check is not null && !check(code)) Record(kind, name, Outcome.DataLost, $"exit {code}; owed results missing or written on failure: {err.Trim()}");
        else if (code == 0) Record(kind, name, Outcome.Accepted, "");
        else if (code is >= 1 and <= 5 && err.Contains("dsd: error: ", StringComparison.Ordinal)) Record(kind, name, Outcome.CleanError, FirstError(err));
        else Record(kind, name, Outcome.Unhandled, $"exit {code}: {err.Trim()}");
    }

    static string FirstError(string err) => err.Split('\n').First(l => l.StartsWith("dsd: error: ", StringComparison.Ordinal));

    void Record(string kind, string name, Outcome outcome, string detail) => results.Add((kind, name, outcome, detail));

    string P(params string[] parts) => Path.Combine([dir, .. parts]);

    /// <summary>Whether the CSV at <paramref name="csv"/> has a number for every one of <paramref name="names"/>.</summary>
    static bool Scored(string csv, params string[] names) =>
        File.Exists(csv) && names.All(n => File.ReadAllLines(csv).Any(l => l.Contains(n, StringComparison.Ordinal)
            && System.Text.RegularExpressions.Regex.IsMatch(l, @",-?[0-9][0-9.Ee+-]*,$|,inf,$")));

    [Fact]
    public void Every_hostile_case_is_a_clean_error_or_accepted_and_none_hangs_crashes_or_loses_data()
    {
        SpecialFileCases();
        AliasCases();
        DegenerateSizeCases();
        EditedScoreJsonCases();
        EditedCheckpointCases();

        foreach (var group in results.GroupBy(r => r.Class))
        {
            output.WriteLine($"{group.Key}: {group.Count()} cases: " + string.Join(", ", Enum.GetValues<Outcome>().Select(o => $"{o} {group.Count(r => r.Outcome == o)}")));
            foreach (var r in group.Where(r => r.Outcome != Outcome.Accepted).Take(3)) output.WriteLine($"    {r.Case}: {r.Outcome}: {r.Detail}");
        }
        output.WriteLine($"all: {results.Count} cases: " + string.Join(", ", Enum.GetValues<Outcome>().Select(o => $"{o} {results.Count(r => r.Outcome == o)}")));
        var bad = results.Where(r => r.Outcome is Outcome.Unhandled or Outcome.Hung or Outcome.DataLost).ToList();
        Assert.True(bad.Count == 0, string.Join("\n", bad.Take(20).Select(r => $"{r.Class}/{r.Case}: {r.Outcome}: {r.Detail}")));
        Assert.True(results.Count >= 200, $"only {results.Count} cases");
    }

    /// <summary>A pipe, a socket, a link to /dev/zero, a directory and a dangling link, each named like an input.</summary>
    void SpecialFileCases()
    {
        string[] kinds = ["fifo", "socket", "dev-zero", "directory", "dangling"];
        var photo = SpecialFiles.Png(P("special", "photo.png"), 32, 32, 1);
        foreach (var kind in kinds)
        {
            var root = P("special", kind);
            Directory.CreateDirectory(root);
            // Disposing a socket removes its file: each stays open until its kind is done.
            var sockets = new List<System.Net.Sockets.Socket>();
            string Make(string name)
            {
                var path = Path.Combine(root, name);
                switch (kind)
                {
                    case "fifo": SpecialFiles.Fifo(path); break;
                    case "socket": sockets.Add(SpecialFiles.Socket(path)); break;
                    case "dev-zero": File.CreateSymbolicLink(path, "/dev/zero"); break;
                    case "directory": Directory.CreateDirectory(path); break;
                    default: File.CreateSymbolicLink(path, Path.Combine(root, "nowhere")); break;
                }
                return path;
            }
            try
            {
                var folder = Path.Combine(root, "images");
                Directory.CreateDirectory(folder);
                var good = Path.Combine(folder, "b.png");
                File.Copy(photo, good);
                var odd = Path.Combine("images", "a.png");
                Make(odd);
                var csv = Path.Combine(root, "o.csv");
                Case("special", $"{kind}: score folder", ["score", "--dist", folder, "--metrics", "psnr-y", "--ref", photo, "--out", csv], [good, photo],
                    code => code == 2 && Scored(csv, "b.png"), child: true);
                var prints = Path.Combine(root, "prints");
                Case("special", $"{kind}: fingerprint folder", ["fingerprint", folder, "--out", prints, "--layers", "relu1_1", "--alpha", "2"], [good],
                    code => code == 2 && File.Exists(Path.Combine(prints, "b.safetensors")), child: true);
                Case("special", $"{kind}: score single image", ["score", "--dist", Path.Combine(root, odd), "--metrics", "psnr-y", "--ref", photo], [photo], child: true);
                Case("special", $"{kind}: --vgg-weights", ["score", "--dist", good, "--metrics", "dsd", "--vgg-weights", Make("w.safetensors")], [good], child: true);
                Case("special", $"{kind}: --regressor", ["score", "--dist", good, "--metrics", "noref-dsd", "--regressor", Make("psi.pth")], [good], child: true);
                Case("special", $"{kind}: merge input", ["merge", Make("shard.json"), "--out", Path.Combine(root, "m.json")], [], child: true);
                Case("special", $"{kind}: report input", ["report", Make("scores.json"), "--no-heatmaps", "--html", Path.Combine(root, "r.html")], [], child: true);
                Case("special", $"{kind}: restore model", ["restore", "sr", "--model", Make("g.safetensors"), "--in", good, "--out", Path.Combine(root, "restored")], [good], child: true);
                Case("special", $"{kind}: restore folder", ["restore", "deblur", "--in", folder, "--out", Path.Combine(root, "deblurred")], [good],
                    code => code == 2 && File.Exists(Path.Combine(root, "deblurred", "b.png")), child: true);
                Case("special", $"{kind}: train sr resume", ["train", "sr", "--resume", Make("last.json")], [], child: true);
            }
            finally
            {
                foreach (var socket in sockets) socket.Dispose();
            }
        }
        // Training data with a pipe among the images: trained on the others, the pipe reported.
        var data = P("special", "train");
        for (var i = 0; i < 3; i++) SpecialFiles.Png(Path.Combine(data, $"p{i}.png"), 48, 48, i);
        SpecialFiles.Fifo(Path.Combine(data, "a.png"));
        var run = P("special", "run");
        Case("special", "fifo: train regressor data", ["train", "regressor", "--train", data, "--crop", "8", "--batch-size", "4", "--steps", "1",
            "--vgg-weights", CliHarness.GoldenWeights, "--out", run], [], code => code == 2 && File.Exists(Path.Combine(run, RegressorCheckpoint.WeightsFileName)), child: true);
    }

    /// <summary>Each writing command with an output that names one of its inputs.</summary>
    void AliasCases()
    {
        string[] aliases = ["same", "dot", "symlink", "hardlink", "folder-symlink", "case-only"];
        var n = 0;
        foreach (var alias in aliases)
        {
            var root = P("alias", alias);
            var input = Path.Combine(root, "in");
            var photo = SpecialFiles.Png(Path.Combine(input, "photo.png"), 24, 24, 1);
            var scores = Path.Combine(input, "scores.json");
            Assert.Equal(0, CliHarness.Run("score", "--dist", photo, "--ref", photo, "--metrics", "psnr-y", "--out", scores).Code);
            string Alias(string path)
            {
                var name = $"{n++}-{Path.GetFileName(path)}";
                switch (alias)
                {
                    case "same": return path;
                    case "dot": return Path.Combine(Path.GetDirectoryName(path)!, ".", Path.GetFileName(path));
                    case "symlink": File.CreateSymbolicLink(Path.Combine(root, name), path); return Path.Combine(root, name);
                    case "hardlink": return SpecialFiles.HardLink(path, Path.Combine(root, name));
                    case "folder-symlink":
                        var linked = Path.Combine(root, "linked" + n++);
                        Directory.CreateSymbolicLink(linked, Path.GetDirectoryName(path)!);
                        return Path.Combine(linked, Path.GetFileName(path));
                    default: return Path.Combine(Path.GetDirectoryName(path)!, Path.GetFileName(path).ToUpperInvariant());
                }
            }
            // A folder an output goes into, named so that the output lands on the input file (folders have no hard links:
            // a new folder holding a hard link of the input under the output's name stands for them).
            string AliasFolder(string folder, string file)
            {
                switch (alias)
                {
                    case "same": return folder;
                    case "dot": return Path.Combine(folder, ".");
                    case "case-only": return Path.Combine(Path.GetDirectoryName(folder)!, Path.GetFileName(folder).ToUpperInvariant());
                    case "hardlink":
                        var holder = Path.Combine(root, "holder" + n++);
                        Directory.CreateDirectory(holder);
                        SpecialFiles.HardLink(Path.Combine(folder, file), Path.Combine(holder, file));
                        return holder;
                    default:
                        var link = Path.Combine(root, "folder" + n++);
                        Directory.CreateSymbolicLink(link, folder);
                        return link;
                }
            }
            string[] protect = [photo, scores];
            Case("alias", $"{alias}: score --out", ["score", "--dist", photo, "--ref", photo, "--metrics", "psnr-y", "--out", Alias(photo)], protect);
            Case("alias", $"{alias}: score --out (json)", ["score", "--dist", input, "--metrics", "noref-dsd", "--out", Alias(photo)], protect);
            Case("alias", $"{alias}: fingerprint --out", ["fingerprint", photo, "--layers", "relu1_1", "--alpha", "2", "--out", Alias(photo)], protect);
            Case("alias", $"{alias}: merge --out", ["merge", scores, "--out", Alias(scores)], protect);
            Case("alias", $"{alias}: report --html", ["report", scores, "--no-heatmaps", "--html", Alias(scores)], protect);
            Case("alias", $"{alias}: restore --out", ["restore", "deblur", "--in", photo, "--out", AliasFolder(input, "photo.png")], protect);
            // visualize a folder into itself: a.heatmaps.png of the input folder is an input image too.
            var pictures = Path.Combine(root, "pictures");
            var a = SpecialFiles.Png(Path.Combine(pictures, "a.png"), 24, 24, 2);
            var heat = SpecialFiles.Png(Path.Combine(pictures, "a.heatmaps.png"), 24, 24, 3);
            Case("alias", $"{alias}: visualize --out", ["visualize", pictures, "--out", AliasFolder(pictures, "a.heatmaps.png")], [a, heat]);
        }
    }

    /// <summary>Every metric on pairs too small for it, between two normal pairs that must still be scored.</summary>
    void DegenerateSizeCases()
    {
        string[] metrics = ["dsd", "style", "multi-scale-style", "sliced-wasserstein", "contextual", "perceptual", "psnr-y", "psnr-rgb", "ssim", "noref-dsd"];
        (int W, int H)[] sizes = [(1, 1), (2, 2), (3, 3), (1, 40), (40, 1), (7, 7), (10, 10), (15, 15)];
        foreach (var (w, h) in sizes)
        {
            var (refs, dists) = (P("sizes", $"{w}x{h}", "ref"), P("sizes", $"{w}x{h}", "dist"));
            // a and c are valid for every metric: 64×64 is the least the default form of noref-dsd takes (x↓16 through relu3_1).
            foreach (var (name, sw, sh) in new[] { ("a", 64, 64), ("b", w, h), ("c", 64, 64) })
            {
                SpecialFiles.Png(Path.Combine(refs, name + ".png"), sw, sh, 1);
                SpecialFiles.Png(Path.Combine(dists, name + ".png"), sw, sh, 2);
            }
            foreach (var metric in metrics)
            {
                var csv = P("sizes", $"{w}x{h}", metric + ".csv");
                string[] reference = metric == "noref-dsd" ? [] : ["--ref", refs];
                // --perceptual-layer only with perceptual: an option for a metric not chosen is a usage error (issue 23).
                string[] layer = metric == "perceptual" ? ["--perceptual-layer", "relu2_2"] : [];
                Case("sizes", $"{metric} {w}×{h}", ["score", "--dist", dists, .. reference, "--metrics", metric, .. layer,
                    "--vgg-weights", CliHarness.GoldenWeights, "--out", csv], [], code => code is 0 or 2 && Scored(csv, "a.png", "c.png"));
            }
        }
    }

    /// <summary>Every field of a sharded score output set to values of every JSON type, then merged.</summary>
    void EditedScoreJsonCases()
    {
        var (refs, dists) = (P("json", "ref"), P("json", "dist"));
        for (var i = 0; i < 6; i++)
        {
            SpecialFiles.Png(Path.Combine(refs, $"p{i}.png"), 16, 16, i);
            SpecialFiles.Png(Path.Combine(dists, $"p{i}.png"), 16, 16, 50 + i);
        }
        var shards = Enumerable.Range(0, 2).Select(k =>
        {
            var path = P("json", $"shard{k}.json");
            Assert.Equal(0, CliHarness.Run("score", "--ref", refs, "--dist", dists, "--metrics", "psnr-y", "--shard", $"{k}/2", "--out", path).Code);
            return path;
        }).ToArray();
        var k0 = JsonNode.Parse(File.ReadAllText(shards[0]))!["rows"]!.AsArray().Count > 0 ? 0 : 1;
        string[] fields = ["rows[0].dist", "rows[0].ref", "rows[0].psnr-y", "rows[0].error", "rows[0].extra", "rows", "metrics", "metrics.psnr-y",
            "metrics.psnr-y.lower_is_better", "settings", "settings.shard", "settings.shard.index", "settings.shard.count", "settings.shard.pairs_total",
            "settings.shard.rule", "settings.shard.positions", "settings.shard.positions[0]"];
        string?[] values = ["\"x\"", "true", "{}", "[]", "-1", "7", "1e300", "null", null];
        var e = 0;
        foreach (var field in fields)
            foreach (var value in values)
            {
                var doc = JsonNode.Parse(File.ReadAllText(shards[k0]))!.AsObject();
                Set(doc, field, value);
                var edited = P("json", $"edited{e++}.json");
                File.WriteAllText(edited, doc.ToJsonString());
                var merged = P("json", $"merged{e}.csv");
                var inputs = shards.Select((s, i) => i == k0 ? edited : s).ToArray();
                string[] protect = [.. shards, edited];
                Case("json", $"{field} = {value ?? "(removed)"}", ["merge", .. inputs, "--out", merged], protect,
                    code => code == 0 ? File.Exists(merged) : !File.Exists(merged));
            }
    }

    /// <summary>Sets (or with a null value removes) the field at a dotted path with [i] indices.</summary>
    static void Set(JsonNode root, string path, string? value)
    {
        var parts = path.Replace("[", ".[", StringComparison.Ordinal).Split('.');
        var node = root;
        foreach (var part in parts[..^1]) node = part.StartsWith('[') ? node[int.Parse(part[1..^1], System.Globalization.CultureInfo.InvariantCulture)]! : node[part]!;
        var last = parts[^1];
        var replacement = value is null ? null : JsonNode.Parse(value);
        if (last.StartsWith('['))
        {
            var i = int.Parse(last[1..^1], System.Globalization.CultureInfo.InvariantCulture);
            if (value is null) node.AsArray().RemoveAt(i); else node[i] = replacement;
        }
        else if (value is null) node.AsObject().Remove(last);
        else node[last] = replacement;
    }

    /// <summary>Fields of a psi checkpoint's state and config, and of a restoration checkpoint's sidecar, edited; then --resume.</summary>
    void EditedCheckpointCases()
    {
        using var f = new TrainingFixture();
        PsiRuns.Start(f.Config(2), f.Out, f.Vgg, CPU);
        var pristine = File.ReadAllBytes(RegressorCheckpoint.ManifestPath(f.Out));
        var stateFields = new[] { "Step", "TargetSum", "TargetCount", "IntervalLoss", "IntervalSteps", "IntervalSquaredError", "IntervalConstantSquaredError", "IntervalSamples" };
        string?[] stateValues = ["-5", "4611686018427387904", "\"x\"", "[1,2,3]", "null", "1e300", "{}", null];
        var configFields = new[] { "batch_size", "alpha", "crop", "steps", "lr", "ema", "bank", "save_every" };
        string?[] configValues = ["0", "-1", "100000000", "\"x\"", "null", null];
        foreach (var (key, fieldNames, values) in new[] { ("counters", stateFields, stateValues), ("config", configFields, configValues) })
            foreach (var field in fieldNames)
                foreach (var value in values)
                {
                    if (field == "steps" && value == "100000000") continue; // valid: it would train for days
                    File.WriteAllBytes(RegressorCheckpoint.ManifestPath(f.Out), pristine);
                    PsiRuns.EditManifest(f.Out, key, field, value);
                    Case("checkpoint", $"psi {key}.{field} = {value ?? "(removed)"}",
                        ["train", "regressor", "--resume", "--out", f.Out, "--vgg-weights", CliHarness.GoldenWeights], Directory.GetFiles(f.Data));
                }

        var data = TrainingDataTests.HrFolder(count: 2, h: 40, w: 40);
        var run = P("checkpoint", "sr");
        var (code, _, err) = CliHarness.Run("train", "sr", "--train", data, "--out", run, "--steps", "2", "--blocks", "1", "--batch-size", "2", "--crop", "8", "--save-every", "1", "--seed", "3");
        Assert.True(code == 0, err);
        string[] sidecarFields = ["format", "step", "best_step", "best_merit", "state", "blocks", "config", "config.steps", "config.batch_size", "config.blocks", "config.crop", "config.lr"];
        string?[] sidecarValues = ["\"x\"", "-1", "0", "1e300", "{}", "[]", "null", "\"../../elsewhere\"", null];
        var e = 0;
        foreach (var field in sidecarFields)
            foreach (var value in sidecarValues)
            {
                if (field == "config.steps" && value is null) continue; // valid: the default 1000 steps, half an hour here
                // Each case resumes a fresh copy: an accepted resume moves its run on.
                var copy = P("checkpoint", $"sr{e++}");
                Directory.CreateDirectory(copy);
                foreach (var file in Directory.GetFiles(run)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
                var sidecar = Path.Combine(copy, "last.json");
                var doc = JsonNode.Parse(File.ReadAllText(sidecar))!;
                Set(doc, field, value);
                File.WriteAllText(sidecar, doc.ToJsonString());
                Case("checkpoint", $"sidecar {field} = {value ?? "(removed)"}", ["train", "sr", "--resume", sidecar], [.. Directory.GetFiles(run), .. Directory.GetFiles(data)]);
            }
    }

    static void EditMetadata(string path, string key, string field, string? value)
    {
        var bytes = File.ReadAllBytes(path);
        var length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = JsonNode.Parse(bytes.AsSpan(8, length))!.AsObject();
        var node = JsonNode.Parse((string)header["__metadata__"]![key]!)!;
        Set(node, field, value);
        header["__metadata__"]![key] = node.ToJsonString();
        var text = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
        var lengthBytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)text.Length);
        File.WriteAllBytes(path, [.. lengthBytes, .. text, .. bytes.AsSpan(8 + length)]);
    }
}
