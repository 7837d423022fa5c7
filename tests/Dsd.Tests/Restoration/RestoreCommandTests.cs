using Dsd.Imaging;
using Dsd.Networks;
using Dsd.Restoration;
using Dsd.Tests.Cli;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Restoration;

[Collection(CliHarness.Name)]
public sealed class RestoreCommandTests
{
    static string SavedNet(DirectoryInfo dir, nn.Module<Tensor, Tensor> net, string name)
    {
        var path = Path.Combine(dir.FullName, name);
        NetworkWeights.Save(net, path);
        return path;
    }

    [Fact]
    public void SuperResolvesEveryImageOfAFolderIntoOutAsPngWithBlocksReadFromTheCheckpoint()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-restore-");
        manual_seed(7);
        using var net = new XSrResNet(5);
        var model = SavedNet(dir, net, "g.safetensors");
        var input = Directory.CreateDirectory(Path.Combine(dir.FullName, "in")).FullName;
        ImageIo.SavePng(rand(1, 3, 9, 7), Path.Combine(input, "a.png"));
        ImageIo.SavePng(rand(1, 3, 6, 8), Path.Combine(input, "b.bmp.png"));
        var outDir = Path.Combine(dir.FullName, "out");

        var (code, _, stderr) = CliHarness.Run("restore", "sr", "--model", model, "--in", input, "--out", outDir);

        Assert.True(code == 0, stderr);
        Assert.Equal(new ImageSize(28, 36), ImageIo.ReadSize(Path.Combine(outDir, "a.png")));
        Assert.Equal(new ImageSize(32, 24), ImageIo.ReadSize(Path.Combine(outDir, "b.bmp.png")));
    }

    [Fact]
    public void RefusesAnOutFolderWhereAResultWouldOverwriteAnInput()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-restore-");
        using var net = new DeblurNet(1);
        var model = SavedNet(dir, net, "g.safetensors");
        var image = Path.Combine(dir.FullName, "photo.png");
        ImageIo.SavePng(rand(1, 3, 8, 8), image);
        var before = File.ReadAllBytes(image);

        var (code, _, stderr) = CliHarness.Run("restore", "deblur", "--model", model, "--in", image, "--out", dir.FullName);

        Assert.Equal(2, code);
        Assert.Contains("overwrite", stderr);
        Assert.Equal(before, File.ReadAllBytes(image));
    }

    [Fact]
    public void MissingModelFileIsAnErrorNamingIt()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-restore-");
        ImageIo.SavePng(rand(1, 3, 8, 8), Path.Combine(dir.FullName, "x.png"));
        var missing = Path.Combine(dir.FullName, "nope.safetensors");
        var (code, _, stderr) = CliHarness.Run("restore", "sr", "--model", missing, "--in", dir.FullName, "--out", Path.Combine(dir.FullName, "o"));
        Assert.Equal(3, code); // the exit table: missing weights are 3
        Assert.Contains("nope.safetensors", stderr);
    }

    [Fact]
    public void CorruptModelFileIsAWeightsErrorNamingIt()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-restore-");
        var model = Path.Combine(dir.FullName, "garbage.pth");
        File.WriteAllText(model, "this is not a checkpoint");
        ImageIo.SavePng(rand(1, 3, 8, 8), Path.Combine(dir.FullName, "x.png"));
        var (code, _, stderr) = CliHarness.Run("restore", "sr", "--model", model, "--in", dir.FullName, "--out", Path.Combine(dir.FullName, "o"));
        Assert.Equal(3, code);
        Assert.Contains("garbage.pth", stderr);
    }

    [Fact]
    public void CheckpointOfTheOtherTaskIsAWeightsErrorNamingTheFile()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-restore-");
        using var net = new DeblurNet(2);
        var model = SavedNet(dir, net, "deblur.safetensors");
        ImageIo.SavePng(rand(1, 3, 8, 8), Path.Combine(dir.FullName, "x.png"));
        var (code, _, stderr) = CliHarness.Run("restore", "sr", "--model", model, "--in", dir.FullName, "--out", Path.Combine(dir.FullName, "o"));
        Assert.Equal(3, code);
        Assert.Contains("deblur.safetensors", stderr);
        Assert.Contains("usample", stderr);
    }

    [Fact]
    public void ExplicitBlocksThatDisagreeWithTheCheckpointFailClearly()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-restore-");
        using var net = new DeblurNet(2);
        var model = SavedNet(dir, net, "g.safetensors");
        var e = Assert.Throws<DsdException>(() => RestorationNetworks.Load(RestorationTask.Deblur, model, blocks: 3));
        Assert.Equal(DsdErrorKind.Weights, e.Kind);
        Assert.Contains("features.2", e.Message);
    }

    [Fact]
    public void BlockCountIsReadFromReferenceKeysWithOrWithoutTheDataParallelPrefix()
    {
        using var net = new XSrResNet(5);
        var state = NetworkWeights.ReferenceStateDict(net);
        Assert.Equal(5, RestorationNetworks.CountBlocks(state));
        Assert.Equal(5, RestorationNetworks.CountBlocks(state.ToDictionary(kv => "module." + kv.Key, kv => kv.Value)));
    }
}
