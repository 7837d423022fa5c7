using Dsd.Serialization;
using TorchSharp;
using Xunit;

namespace Dsd.Tests;

/// <summary>Where test data lives: our committed vectors beside the test binary, third-party data in ../shared.</summary>
public static class TestPaths
{
    public static string TestData => Path.Combine(AppContext.BaseDirectory, "TestData");

    /// <summary>The checkout the tests were built from (the folder holding Dsd.slnx): README.md and docs/ are read there.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Dsd.slnx"))) return dir.FullName;
            throw new DirectoryNotFoundException("no Dsd.slnx above the test binary");
        }
    }

    public static string GoldenRandom => Path.Combine(TestData, "golden", "random");

    /// <summary>The repository checkout the tests were built from (the folder holding Dsd.slnx): README, samples/, docs/.</summary>
    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Dsd.slnx"))) return dir.FullName;
            throw new InvalidOperationException($"no Dsd.slnx above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>The read-only shared folder beside the repository root (DSD_SHARED overrides), or null.</summary>
    public static string? Shared
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("DSD_SHARED");
            if (!string.IsNullOrEmpty(env)) return Directory.Exists(env) ? env : null;
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared");
                if (File.Exists(Path.Combine(candidate, "SPEC.md"))) return candidate;
            }
            return null;
        }
    }

    public static string? SharedPath(params string[] parts)
    {
        var shared = Shared;
        if (shared is null) return null;
        var p = Path.Combine([shared, .. parts]);
        return File.Exists(p) || Directory.Exists(p) ? p : null;
    }

    public static string? GoldenPretrained => SharedPath("golden", "pretrained");

    public static string? PretrainedVgg => SharedPath("weights", "vgg19-torchvision", "vgg19_features_0-10.safetensors");
}

/// <summary>A fact that needs ../shared (golden/pretrained, real VGG weights); skipped with a reason when it is absent.</summary>
public sealed class SharedFactAttribute : FactAttribute
{
    public SharedFactAttribute(params string[] relativePath)
    {
        if (TestPaths.SharedPath(relativePath) is null)
            Skip = $"needs ../shared/{string.Join('/', relativePath)} (third-party data, not committed); absent here";
    }
}

/// <summary>Golden vectors from the authors' PyTorch code, loaded once per set.</summary>
public sealed class GoldenSet
{
    static readonly Lazy<GoldenSet> random = new(() => new GoldenSet(TestPaths.GoldenRandom, Path.Combine(TestPaths.GoldenRandom, "golden-weights.safetensors")));
    static readonly Lazy<GoldenSet?> pretrained = new(() =>
        TestPaths.GoldenPretrained is { } dir && TestPaths.PretrainedVgg is { } vgg ? new GoldenSet(dir, vgg, Path.Combine(TestPaths.GoldenRandom, "golden-weights.safetensors")) : null);

    public static GoldenSet Random => random.Value;

    public static GoldenSet Pretrained => pretrained.Value ?? throw new InvalidOperationException("../shared golden/pretrained is absent");

    public IReadOnlyDictionary<string, torch.Tensor> Tensors { get; }

    /// <summary>VGG weights with keys features.N.weight|bias.</summary>
    public IReadOnlyDictionary<string, torch.Tensor> Vgg { get; }

    /// <summary>The same VGG weights as the value every VGG consumer takes (never disposed: shared by the tests).</summary>
    public Dsd.Weights.VggWeights VggWeights => vggWeights ??= Dsd.Weights.VggWeights.FromState(Vgg, "golden VGG19 weights");

    Dsd.Weights.VggWeights? vggWeights;

    /// <summary>All weights of golden-weights.safetensors (prefixes vgg19/, regressor/, xsrresnet/).</summary>
    public IReadOnlyDictionary<string, torch.Tensor> Weights { get; }

    public string Directory { get; }

    GoldenSet(string dir, string vggFile, string? otherWeights = null)
    {
        Directory = dir;
        Tensors = SafeTensors.Load(Path.Combine(dir, "golden.safetensors"));
        var vgg = SafeTensors.Load(vggFile);
        Weights = otherWeights is null ? vgg : SafeTensors.Load(otherWeights);
        Vgg = vgg.ToDictionary(kv => kv.Key.StartsWith("vgg19/", StringComparison.Ordinal) ? kv.Key["vgg19/".Length..] : kv.Key, kv => kv.Value);
    }

    public torch.Tensor this[string name] => Tensors.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"golden tensor '{name}' not found in {Directory}");

    /// <summary>Weights under a prefix with the prefix removed (e.g. "xsrresnet/").</summary>
    public Dictionary<string, torch.Tensor> WeightsUnder(string prefix) =>
        Weights.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
}

/// <summary>Tolerances of golden/README.md: relative 1e-4 (absolute 1e-6 near zero) for values, 1e-3 for gradients.</summary>
public static class Close
{
    public static void Tensor(torch.Tensor expected, torch.Tensor actual, double rtol = 1e-4, double atol = 1e-6, string what = "")
    {
        Assert.Equal(expected.shape, actual.shape);
        var e = expected.to_type(torch.ScalarType.Float64).cpu();
        var a = actual.detach().to_type(torch.ScalarType.Float64).cpu();
        var diff = (e - a).abs();
        var allowed = e.abs() * rtol + atol;
        var worst = (diff - allowed).max().item<double>();
        Assert.True(worst <= 0, $"{what}: max |diff| {diff.max().item<double>():G4} exceeds rtol {rtol:G2} / atol {atol:G2} (max |expected| {e.abs().max().item<double>():G4})");
    }

    /// <summary>Gradient comparison relative to the largest entry (per-entry relative error is meaningless for tiny gradients).</summary>
    public static void Gradient(torch.Tensor expected, torch.Tensor actual, double rtol = 1e-3, string what = "")
    {
        Assert.Equal(expected.shape, actual.shape);
        var e = expected.to_type(torch.ScalarType.Float64).cpu();
        var a = actual.detach().to_type(torch.ScalarType.Float64).cpu();
        var scale = e.abs().max().item<double>();
        var err = (e - a).abs().max().item<double>();
        Assert.True(err <= rtol * scale, $"{what}: max |diff| {err:G4} > {rtol:G2} × max |expected| {scale:G4}");
    }

    public static void Scalar(double expected, double actual, double rtol = 1e-4, double atol = 1e-12, string what = "") =>
        Assert.True(Math.Abs(expected - actual) <= rtol * Math.Abs(expected) + atol, $"{what}: expected {expected:G9}, got {actual:G9}");
}
