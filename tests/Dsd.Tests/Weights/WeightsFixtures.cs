using Dsd.Serialization;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Weights;

/// <summary>Paths of the committed checkpoint fixtures (TestData/weights, made by make_fixtures.py) and helpers.</summary>
internal static class WeightsFixtures
{
    public static string Dir => Path.Combine(TestPaths.TestData, "weights");

    public static string File(string name) => Path.Combine(Dir, name);

    public static Dictionary<string, Tensor> Expected(string name) => SafeTensors.Load(File(name));

    /// <summary>A fresh temp folder for one test (cache dir, corrupted copies).</summary>
    public static string TempDir() => Directory.CreateTempSubdirectory("dsd-weights-").FullName;

    /// <summary>Same keys, dtypes, shapes and bit-identical values.</summary>
    public static void AssertSameTensors(IReadOnlyDictionary<string, Tensor> expected, IReadOnlyDictionary<string, Tensor> actual)
    {
        Assert.Equal(expected.Keys.OrderBy(k => k, StringComparer.Ordinal), actual.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (key, e) in expected)
        {
            var a = actual[key];
            Assert.Equal(e.dtype, a.dtype);
            Assert.Equal(e.shape, a.shape);
            Assert.True(a.is_contiguous(), key);
            Assert.True(e.contiguous().bytes.SequenceEqual(a.contiguous().bytes), $"{key}: values differ");
        }
    }
}
