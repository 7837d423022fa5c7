using Dsd.Weights;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Weights;

public class CheckpointReaderTests
{
    [Fact]
    public void LegacyFormatLoadsExactValuesViewsAndDtypes()
    {
        Assert.Equal(StateDictFormat.PyTorchLegacy, StateDict.DetectFormat(WeightsFixtures.File("tiny_legacy.pth")));
        WeightsFixtures.AssertSameTensors(WeightsFixtures.Expected("tiny_expected.safetensors"), StateDict.Load(WeightsFixtures.File("tiny_legacy.pth")));
    }

    [Fact]
    public void ZipFormatLoadsExactValuesViewsAndDtypes()
    {
        Assert.Equal(StateDictFormat.PyTorchZip, StateDict.DetectFormat(WeightsFixtures.File("tiny_zip.pth")));
        WeightsFixtures.AssertSameTensors(WeightsFixtures.Expected("tiny_expected.safetensors"), PyTorchZipReader.Load(WeightsFixtures.File("tiny_zip.pth")));
    }

    [Fact]
    public void StridedViewWithOffsetIsReconstructed()
    {
        var sd = PyTorchLegacyReader.Load(WeightsFixtures.File("tiny_legacy.pth"));
        var expected = (arange(30, float32).reshape(5, 6) / 7)[TensorIndex.Slice(1), TensorIndex.Slice(step: 2)].t();
        Assert.Equal(expected.shape, sd["extra.view"].shape);
        Assert.True(expected.allclose(sd["extra.view"], rtol: 0, atol: 0), "extra.view values");
        Assert.Equal(ScalarType.Float64, sd["extra.f64"].dtype);
        Assert.Equal(ScalarType.Float16, sd["extra.f16"].dtype);
        Assert.Equal(1L << 40, sd["extra.i64"][2].item<long>());
    }

    [Fact]
    public void IncludeFilterSkipsOtherTensors()
    {
        var sd = StateDict.Load(WeightsFixtures.File("tiny_legacy.pth"), k => k.StartsWith("features.", StringComparison.Ordinal));
        Assert.Equal(4, sd.Count);
        sd = StateDict.Load(WeightsFixtures.File("tiny_zip.pth"), k => k == "extra.view");
        Assert.Single(sd);
    }

    [Fact]
    public void SafeTensorsIsDetected() =>
        Assert.Equal(StateDictFormat.SafeTensors, StateDict.DetectFormat(WeightsFixtures.File("tiny_expected.safetensors")));

    [Fact]
    public void MissingFileNamesTheFile()
    {
        var e = Assert.Throws<DsdException>(() => StateDict.Load("/nonexistent/dir/nope-weights.pth"));
        Assert.Equal(DsdErrorKind.Weights, e.Kind);
        Assert.Contains("nope-weights.pth", e.Message);
        Assert.Contains("not found", e.Message);
    }

    [Theory]
    [InlineData("tiny_legacy.pth", 0.5)]
    [InlineData("tiny_legacy.pth", 0.97)]
    [InlineData("tiny_legacy.pth", 0.05)]
    [InlineData("tiny_zip.pth", 0.9)]
    public void TruncatedCheckpointIsRejectedNamingTheFile(string fixture, double keep)
    {
        var bytes = System.IO.File.ReadAllBytes(WeightsFixtures.File(fixture));
        var path = Path.Combine(WeightsFixtures.TempDir(), "cut-" + fixture);
        System.IO.File.WriteAllBytes(path, bytes[..(int)(bytes.Length * keep)]);
        var e = Assert.Throws<DsdException>(() => StateDict.Load(path));
        Assert.Equal(DsdErrorKind.Weights, e.Kind);
        Assert.Contains("cut-" + fixture, e.Message);
    }

    [Fact]
    public void GarbageFileIsUnsupported()
    {
        var path = Path.Combine(WeightsFixtures.TempDir(), "garbage.pth");
        System.IO.File.WriteAllText(path, "this is not a checkpoint at all");
        var e = Assert.Throws<DsdException>(() => StateDict.Load(path));
        Assert.Contains("garbage.pth", e.Message);
        Assert.Contains("unsupported", e.Message);
    }

    [Fact]
    public void DisallowedGlobalIsRefusedWithoutExecuting()
    {
        // PROTO 2, GLOBAL 'os system', STRING 'echo', TUPLE1, REDUCE, STOP: the classic pickle exploit.
        using var s = new MemoryStream([0x80, 2, .. "cos\nsystem\n"u8, 0x8c, 4, .. "echo"u8, 0x85, (byte)'R', (byte)'.']);
        var e = Assert.Throws<PickleException>(() => new PickleReader(s, TorchPickle.FindGlobal).Load());
        Assert.Contains("os.system", e.Message);
    }

    [Fact]
    public void WrappedStateDictIsUnwrapped()
    {
        var inner = new PickleDict();
        inner.Set("w", new PickledTensor(new StorageRef("0", ScalarType.Float32, 1), 0, [1], [1]));
        var outer = new PickleDict();
        outer.Set("epoch", 3L);
        outer.Set("state_dict", inner);
        Assert.Equal("w", Assert.Single(TorchPickle.TensorEntries(outer)).Key);
    }

    [Fact]
    public void TrainingCheckpointIsUnwrappedAndParametersAreTensors()
    {
        var sd = StateDict.Load(WeightsFixtures.File("wrapped_zip.pth"));
        Assert.Equal(["features.0.bias", "features.0.weight"], sd.Keys);
        Assert.Equal([0f, 1f, 2f, 3f], sd["features.0.bias"].data<float>().ToArray());
        var expected = WeightsFixtures.Expected("tiny_expected.safetensors")["features.0.weight"];
        Assert.True(expected.allclose(sd["features.0.weight"], rtol: 0, atol: 0));
    }
}
