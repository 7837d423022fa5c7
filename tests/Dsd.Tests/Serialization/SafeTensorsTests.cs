using Dsd.Serialization;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Serialization;

public class SafeTensorsTests
{
    [Fact]
    public void GoldenFileLoadsWithDeclaredShapes()
    {
        var t = GoldenSet.Random;
        Assert.Equal(new long[] { 1, 3, 128, 128 }, t["images/ref_crop"].shape);
        Assert.Equal(new long[] { 1, 64, 64 }, t["fingerprint/alpha2/relu1_2"].shape);
    }

    [Fact]
    public void SaveThenLoadRoundTripsValuesDtypesAndMetadata()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-st-");
        var path = Path.Combine(dir.FullName, "x.safetensors");
        var a = arange(12, float32).reshape(3, 4);
        var b = tensor(new long[] { -1, 2, 3 });
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["a"] = a, ["b/c"] = b }, new Dictionary<string, string> { ["k"] = "v" });
        var back = SafeTensors.Load(path);
        Assert.True(back["a"].eq(a).all().item<bool>());
        Assert.Equal(ScalarType.Int64, back["b/c"].dtype);
        Assert.True(back["b/c"].eq(b).all().item<bool>());
        Assert.Equal("v", SafeTensors.LoadMetadata(path)["k"]);
        Assert.Single(Directory.GetFiles(dir.FullName)); // no temp file left behind
    }

    [Fact]
    public void TruncatedFileIsRejectedNamingTheFile()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-st-");
        var path = Path.Combine(dir.FullName, "cut.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["a"] = ones(100) });
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 10)]);
        var e = Assert.Throws<DsdException>(() => SafeTensors.Load(path));
        Assert.Contains("cut.safetensors", e.Message);
        Assert.Contains("truncated", e.Message);
    }
}
