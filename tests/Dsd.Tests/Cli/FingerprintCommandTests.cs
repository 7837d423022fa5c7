using Dsd.Serialization;
using Xunit;

namespace Dsd.Tests.Cli;

[Collection(CliHarness.Name)]
public class FingerprintCommandTests
{
    [Fact]
    public void WritesGoldenMatricesNamedAlphaLayerAsCxC()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-fp-");
        var outFile = Path.Combine(dir.FullName, "fp.safetensors");
        var (code, stdout, stderr) = CliHarness.Run("fingerprint", Path.Combine(TestPaths.GoldenRandom, "ref_crop.png"),
            "--out", outFile, "--vgg-weights", CliHarness.GoldenWeights);
        Assert.True(code == 0, stderr);
        Assert.Contains("relu3_1", stdout);
        var tensors = SafeTensors.Load(outFile);
        Assert.Equal(8, tensors.Count);
        foreach (var alpha in new[] { 2, 4 })
            foreach (var layer in new[] { "relu1_2", "relu2_1", "relu2_2", "relu3_1" })
            {
                var expected = GoldenSet.Random[$"fingerprint/alpha{alpha}/{layer}"].squeeze(0);
                Close.Tensor(expected, tensors[$"alpha{alpha}/{layer}"], what: $"alpha{alpha}/{layer}");
            }
    }

    [Fact]
    public void TooSmallImageNamesTheFileAndTheMinimum()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-fp-");
        var tiny = Path.Combine(dir.FullName, "tiny.png");
        Dsd.Imaging.ImageIo.SavePng(TorchSharp.torch.rand(1, 3, 12, 12), tiny);
        var (code, _, stderr) = CliHarness.Run("fingerprint", tiny, "--vgg-weights", CliHarness.GoldenWeights);
        Assert.Equal(2, code);
        Assert.Contains("tiny.png", stderr);
        Assert.Contains("16×16", stderr);
    }
}
