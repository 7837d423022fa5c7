using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Dsd.Cli;
using Dsd.Serialization;
using Dsd.Tests.Weights;
using Dsd.Weights;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Dsd.Tests.Robustness;

/// <summary>
/// Corrupted and hand-made hostile weight files (safetensors, torch zip, legacy pickles) through <see cref="StateDict.Load"/>:
/// each loads or fails with one Weights <see cref="DsdException"/> naming the file (exit code 3); no other exception, no stack
/// overflow, no huge allocation.
/// </summary>
public sealed class WeightMutantTests(ITestOutputHelper output) : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("dsd-weight-mutants-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Loads <paramref name="path"/>; returns "loaded" or "error: …", and records anything that breaks the contract.</summary>
    static string Outcome(string path, List<string> problems)
    {
        try
        {
            var state = StateDict.Load(path);
            foreach (var t in state.Values) t.Dispose();
            return "loaded";
        }
        catch (DsdException e)
        {
            if (e.Kind != DsdErrorKind.Weights || CliRunner.ExitCode(e.Kind) != 3) problems.Add($"{path}: kind {e.Kind}: {e.Message}");
            if (!e.Message.StartsWith(path + ": ", StringComparison.Ordinal) || e.Message.Contains('\n')) problems.Add($"{path}: message '{e.Message}'");
            var text = e.Message[(path.Length + 2)..];
            var cut = text.IndexOfAny([':', '(', '\'']);
            return "error: " + (cut > 0 ? text[..cut] : text).Trim();
        }
        catch (Exception e)
        {
            problems.Add($"{path}: {e.GetType().Name}: {e.Message}");
            return "UNHANDLED " + e.GetType().Name;
        }
    }

    static byte[] SafeTensorsWith(JsonObject header, byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }

    /// <summary>Header edits of a valid safetensors file: each breaks one rule the reader must enforce.</summary>
    static IEnumerable<Mutants.Mutant> SafeTensorsHeaderEdits(byte[] source)
    {
        var n = (int)BinaryPrimitives.ReadUInt64LittleEndian(source);
        var data = source[(8 + n)..];
        JsonObject Header() => JsonNode.Parse(source.AsSpan(8, n))!.AsObject();
        var names = Header().Where(kv => kv.Key != "__metadata__").Select(kv => kv.Key).ToList();
        var first = names[0];
        var edits = new List<(string, Action<JsonObject>)>
        {
            ("overlap", h => { var o = h[names[1]]!["data_offsets"]!.AsArray(); o[0] = (long)o[0]! - 4; o[1] = (long)o[1]! - 4; }),
            ("shape-2^63", h => h[first]!["shape"] = new JsonArray(long.MaxValue, 1)),
            ("shape-negative", h => h[first]!["shape"] = new JsonArray(-1, 4)),
            ("shape-zero", h => h[first]!["shape"] = new JsonArray(0)),
            ("dtype-wrong-size", h => h[first]!["dtype"] = "F64"),
            ("dtype-unknown", h => h[first]!["dtype"] = "F8_E4M3"),
            ("dtype-missing", h => h[first]!.AsObject().Remove("dtype")),
            ("offsets-past-end", h => h[first]!["data_offsets"] = new JsonArray(0, 1L << 40)),
            ("offsets-negative", h => h[first]!["data_offsets"] = new JsonArray(-8, 0)),
            ("offsets-reversed", h => { var o = h[first]!["data_offsets"]!.AsArray(); h[first]!["data_offsets"] = new JsonArray((long)o[1]!, (long)o[0]!); }),
            ("offsets-three", h => h[first]!["data_offsets"]!.AsArray().Add(0)),
            ("offsets-strings", h => h[first]!["data_offsets"] = new JsonArray("0", "4")),
            ("entry-not-object", h => h[first] = 42),
            ("hole", h => h.Remove(first)),
            ("metadata-not-strings", h => h["__metadata__"] = new JsonObject { ["a"] = 1 }),
        };
        foreach (var (name, edit) in edits)
        {
            var h = Header();
            edit(h);
            yield return new(name, SafeTensorsWith(h, data));
        }
        yield return new("header-length-2^63", [.. Mutants.Field(source, "len", 0, 8, false, long.MaxValue).Single().Bytes]);
        yield return new("header-length-huge", [.. Mutants.Field(source, "len", 0, 8, false, 50_000_000).Single().Bytes]);
        yield return new("header-not-object", SafeTensorsWithRaw("[1,2,3]", data));
        yield return new("header-not-json", SafeTensorsWithRaw("{\"a\": ", data));
    }

    static byte[] SafeTensorsWithRaw(string header, byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header);
        return [.. BitConverter.GetBytes((ulong)json.Length), .. json, .. data];
    }

    static IEnumerable<(string Ext, Mutants.Mutant M)> AllMutants()
    {
        var safetensors = File.ReadAllBytes(WeightsFixtures.File("tiny_expected.safetensors"));
        var zip = File.ReadAllBytes(WeightsFixtures.File("tiny_zip.pth"));
        var legacy = File.ReadAllBytes(WeightsFixtures.File("tiny_legacy.pth"));
        foreach (var m in Mutants.BitFlips(safetensors, 60, seed: 11, headerBytes: 400)) yield return (".safetensors", m);
        foreach (var m in Mutants.Truncations(safetensors, 15)) yield return (".safetensors", m);
        foreach (var m in SafeTensorsHeaderEdits(safetensors)) yield return (".safetensors", m);
        foreach (var m in Mutants.BitFlips(zip, 60, seed: 12, headerBytes: 2000)) yield return (".pth", m with { Name = "zip-" + m.Name });
        foreach (var m in Mutants.Truncations(zip, 15)) yield return (".pth", m with { Name = "zip-" + m.Name });
        foreach (var m in Mutants.BitFlips(legacy, 60, seed: 13, headerBytes: 1200)) yield return (".pth", m with { Name = "legacy-" + m.Name });
        foreach (var m in Mutants.Truncations(legacy, 15)) yield return (".pth", m with { Name = "legacy-" + m.Name });
        foreach (var m in HostilePickles.All()) yield return (".pth", m);
    }

    [Fact]
    public void Every_corrupted_weights_file_loads_or_fails_with_one_weights_error_naming_the_file()
    {
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var problems = new List<string>();
        var total = 0;
        foreach (var (ext, m) in AllMutants())
        {
            total++;
            var path = Write(m.Name + ext, m.Bytes);
            var kind = m.Name.StartsWith("zip-", StringComparison.Ordinal) ? "zip" : m.Name.StartsWith("legacy-", StringComparison.Ordinal) ? "legacy" : ext == ".pth" ? "pickle" : "safetensors";
            var outcome = $"{kind} {Outcome(path, problems)}";
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            File.Delete(path);
        }
        foreach (var (k, v) in outcomes) output.WriteLine($"{v,5}  {k}");
        output.WriteLine($"{total,5}  weight mutants in all");
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(20)));
        Assert.True(total >= 250, $"only {total} weight mutants");
        Assert.Contains(outcomes, kv => kv.Key.EndsWith("loaded", StringComparison.Ordinal));
    }

    [Fact]
    public void Safetensors_with_overlapping_tensors_is_refused()
    {
        var source = File.ReadAllBytes(WeightsFixtures.File("tiny_expected.safetensors"));
        var path = Write("overlap.safetensors", SafeTensorsHeaderEdits(source).Single(m => m.Name == "overlap").Bytes);
        var e = Assert.Throws<DsdException>(() => StateDict.Load(path));
        Assert.Equal(DsdErrorKind.Weights, e.Kind);
        Assert.Contains("overlaps another tensor", e.Message);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void NaN_or_infinite_weights_are_refused_on_load_and_import(float bad)
    {
        using var scope = NewDisposeScope();
        var weight = randn(64, 3, 3, 3);
        weight[5, 1, 2, 0] = tensor(bad);
        var path = Path.Combine(dir, "bad.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["features.0.weight"] = weight, ["features.0.bias"] = zeros(64) });
        var e = Assert.Throws<DsdException>(() => StateDict.Load(path));
        Assert.Equal($"{path}: 'features.0.weight' holds 1 NaN or infinite value of 1728: refusing weights that can only give NaN", e.Message);
        var cache = Path.Combine(dir, "cache");
        var options = new VggWeightsOptions { CacheDirectory = cache };
        Assert.Equal(DsdErrorKind.Weights, Assert.Throws<DsdException>(() => VggWeightImporter.Import(path, options)).Kind);
        Assert.False(File.Exists(options.CachePath), "a NaN file reached the cache");
    }

    [Fact]
    public void Integer_weights_are_refused()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(dir, "ints.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["features.0.weight"] = ones(64, 3, 3, 3, dtype: ScalarType.Int64), ["features.0.bias"] = zeros(64) });
        Assert.Contains("'features.0.weight' is stored as Int64", Assert.Throws<DsdException>(() => StateDict.Load(path)).Message);
    }

    [Fact]
    public void Self_referencing_state_dict_is_a_clean_error_in_both_pickle_formats()
    {
        var legacy = Write("selfref.pth", HostilePickles.Legacy(HostilePickles.SelfReferencingDict));
        var e = Assert.Throws<DsdException>(() => StateDict.Load(legacy));
        Assert.Equal(DsdErrorKind.Weights, e.Kind);
        Assert.Contains("contains itself", e.Message);
        var zip = Write("selfref-zip.pth", HostilePickles.Zip(HostilePickles.SelfReferencingDict));
        Assert.Contains("contains itself", Assert.Throws<DsdException>(() => StateDict.Load(zip)).Message);
    }

    [Fact]
    public void Absurd_storage_and_strides_are_refused_before_allocation()
    {
        var before = GC.GetTotalAllocatedBytes();
        foreach (var (name, bytes) in new[]
        {
            ("storage-2^31-floats", HostilePickles.OneTensor(size: 64, stride: 1, count: 1L << 31)),
            ("storage-2^62", HostilePickles.OneTensor(size: 64, stride: 1, count: 1L << 62)),
            ("stride-negative", HostilePickles.OneTensor(size: 64, stride: -1, count: 64)),
            ("size-2^62-stride-0", HostilePickles.OneTensor(size: 1L << 62, stride: 0, count: 64)),
            ("size-2^62-stride-2^62", HostilePickles.OneTensor(size: 1L << 62, stride: 1L << 62, count: 64)),
            ("zip-storage-2^62", HostilePickles.Zip(HostilePickles.OneTensorPickle(size: 64, stride: 1, count: 1L << 62), dataBytes: 256)),
        })
        {
            var path = Write(name + ".pth", bytes);
            var e = Assert.Throws<DsdException>(() => StateDict.Load(path));
            Assert.Equal(DsdErrorKind.Weights, e.Kind);
            Assert.StartsWith(path + ": corrupt or unsupported", e.Message);
        }
        Assert.True(GC.GetTotalAllocatedBytes() - before < 50_000_000, "allocated before refusing");
        // The same tensor with sane numbers loads: the hand-made format is right.
        var good = Write("good.pth", HostilePickles.OneTensor(size: 64, stride: 1, count: 64));
        var state = StateDict.Load(good);
        Assert.Equal(new long[] { 64 }, state["features.0.bias"].shape);
    }
}
