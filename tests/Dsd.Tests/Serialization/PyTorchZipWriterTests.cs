using Dsd.Networks;
using Dsd.Serialization;
using Dsd.Weights;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Serialization;

public sealed class PyTorchZipWriterTests
{
    [Fact]
    public void GeneratorStateDictRoundTripsThroughOurPyTorchZipReader()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("dsd-pth-").FullName, "g.pth");
        using var net = new XSrResNet(2);
        var state = NetworkWeights.ReferenceStateDict(net);
        PyTorchZipWriter.Save(path, state);

        Assert.Equal(StateDictFormat.PyTorchZip, StateDict.DetectFormat(path));
        var loaded = StateDict.Load(path);
        Assert.Equal(state.Keys.Order(), loaded.Keys.Order());
        foreach (var (key, t) in state)
        {
            Assert.Equal(t.shape, loaded[key].shape);
            Assert.True(t.eq(loaded[key]).all().item<bool>(), key);
        }
        using var copy = new XSrResNet(2);
        NetworkWeights.Load(copy, path);
    }

    [Fact]
    public void ScalarsAndIntegerTensorsKeepShapeAndType()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("dsd-pth-").FullName, "m.pth");
        PyTorchZipWriter.Save(path, new Dictionary<string, Tensor> { ["n"] = tensor(7L), ["v"] = arange(6, dtype: ScalarType.Int64).view(2, 3) });
        var loaded = StateDict.Load(path);
        Assert.Empty(loaded["n"].shape);
        Assert.Equal(7L, loaded["n"].item<long>());
        Assert.Equal(ScalarType.Int64, loaded["v"].dtype);
        Assert.Equal(5L, loaded["v"][1, 2].item<long>());
    }
}
