using Dsd.Networks;
using Dsd.Restoration;
using Dsd.Serialization;
using Dsd.Tests.Cli;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Restoration;

/// <summary>The restoration catalogue (tasks and architectures) is consistent, and checkpoints carry their architecture.</summary>
[Collection(CliHarness.Name)]
public sealed class RestorationCatalogTests
{
    [Fact]
    public void EveryTaskBuildsItsArchitectureWithTheBlocksAskedAndOutputsAtItsScale()
    {
        Assert.Equal(RestorationTask.All.Count, RestorationTask.All.Select(t => t.Name).Distinct().Count());
        Assert.Equal(RestorationNetwork.All.Count, RestorationNetwork.All.Select(n => n.Name).Distinct().Count());
        foreach (var task in RestorationTask.All)
        {
            Assert.Same(task, RestorationTask.Parse(task.Name));
            Assert.Same(task.Network, RestorationNetwork.Find(task.Network.Name));
            Assert.Contains(task.Network, RestorationNetwork.All);
            using var net = RestorationNetworks.Create(task, 3);
            Assert.Equal(3, RestorationNetworks.Blocks(net));
            using var noGrad = no_grad();
            using var y = net.call(rand(1, 3, 12, 10));
            Assert.Equal([1L, 3, 12 * task.Scale, 10 * task.Scale], y.shape);
        }
        Assert.Equal(4, RestorationTask.SuperResolution.Scale);
        Assert.Equal(1, RestorationTask.Deblur.Scale);
        var e = Assert.Throws<DsdException>(() => RestorationTask.Parse("denoise"));
        Assert.Contains("sr or deblur", e.Message);
    }

    /// <summary>Changing one input pixel changes no output pixel farther than the entry's receptive radius from it.</summary>
    [Theory]
    [InlineData("sr", 1)]
    [InlineData("deblur", 2)]
    public void NoOutputPixelBeyondTheReceptiveRadiusDependsOnAnInputPixel(string name, int blocks)
    {
        var task = RestorationTask.Parse(name);
        var radius = task.Network.ReceptiveRadius(blocks);
        manual_seed(3);
        using var net = RestorationNetworks.Create(task, blocks);
        net.eval();
        var side = 2 * radius + 9;
        var centre = side / 2;
        using var noGrad = no_grad();
        var x = rand(1, 3, side, side);
        var changed = x.clone();
        changed[0, .., centre, centre] = changed[0, .., centre, centre] + 0.5f;
        var diff = (net.call(changed) - net.call(x)).abs().amax([0, 1]); // [H·s, W·s]
        var s = task.Scale;
        var influenced = diff.gt(0).nonzero(); // output pixels that moved
        Assert.True(influenced.shape[0] > 0);
        // Output pixel (oy, ox) sits at input coordinate ((oy + 0.5) / s − 0.5); it must lie within the radius.
        var rows = influenced[.., 0].to_type(ScalarType.Float64).add(0.5).div(s).sub(0.5).sub(centre).abs().max().item<double>();
        var cols = influenced[.., 1].to_type(ScalarType.Float64).add(0.5).div(s).sub(0.5).sub(centre).abs().max().item<double>();
        Assert.True(Math.Max(rows, cols) <= radius, $"{name}: influence reaches {Math.Max(rows, cols):F2} input pixels, radius {radius}");
    }

    /// <summary>task.Restore tiles with the entry's exact margin: small tiles give the whole-image result.</summary>
    [Theory]
    [InlineData("sr")]
    [InlineData("deblur")]
    public void RestoreWithSmallTilesEqualsTheWholeImage(string name)
    {
        var task = RestorationTask.Parse(name);
        manual_seed(8);
        using var net = RestorationNetworks.Create(task, 2);
        net.eval();
        var x = rand(1, 3, 37, 29);
        using var whole = task.Restore(net, x, tile: 64);
        using var tiled = task.Restore(net, x, tile: 9);
        Assert.Equal(whole.shape, tiled.shape);
        Assert.True((whole - tiled).abs().max().item<float>() < 1e-5f);
    }

    static string SaveWithMetadata(nn.Module<Tensor, Tensor> net, string path, IReadOnlyDictionary<string, string> meta)
    {
        SafeTensors.Save(path, NetworkWeights.ReferenceStateDict(net), meta);
        return path;
    }

    [Fact]
    public void AModelOfAnotherTaskIsAWeightsErrorNamingTheCommandThatRunsIt()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-catalog-").FullName;
        using var net = new XSrResNet(2);
        var path = SaveWithMetadata(net, Path.Combine(dir, "sr.safetensors"), RestorationNetworks.Describe(RestorationTask.SuperResolution, 2));
        var e = Assert.Throws<DsdException>(() => RestorationNetworks.Load(RestorationTask.Deblur, path));
        Assert.Equal(DsdErrorKind.Weights, e.Kind);
        Assert.Contains("dsd restore sr", e.Message);
        using var loaded = RestorationNetworks.Load(RestorationTask.SuperResolution, path);
        Assert.Equal(2, RestorationNetworks.Blocks(loaded));

        Directory.CreateDirectory(Path.Combine(dir, "in"));
        Dsd.Imaging.ImageIo.SavePng(rand(1, 3, 8, 8), Path.Combine(dir, "in", "x.png"));
        var (code, stdout, stderr) = CliHarness.Run("restore", "deblur", "--model", path, "--in", Path.Combine(dir, "in"), "--out", Path.Combine(dir, "out"));
        Assert.Equal(3, code);
        Assert.Contains("dsd restore sr", stderr);
        Assert.Equal("", stdout);
    }

    [Theory]
    [InlineData("100000")]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("two")]
    public void ABlockCountOutsideTheBoundsInTheFileIsRefusedBeforeBuilding(string blocks)
    {
        var dir = Directory.CreateTempSubdirectory("dsd-catalog-").FullName;
        using var net = new DeblurNet(1);
        var meta = RestorationNetworks.Describe(RestorationTask.Deblur, 1);
        meta[RestorationNetworks.BlocksKey] = blocks;
        var path = SaveWithMetadata(net, Path.Combine(dir, "d.safetensors"), meta);
        var e = Assert.Throws<DsdException>(() => RestorationNetworks.Load(RestorationTask.Deblur, path));
        Assert.Equal(DsdErrorKind.Weights, e.Kind);
        Assert.Contains("blocks", e.Message);
    }

    [Fact]
    public void AReferenceStateDictWithoutMetadataStillLoadsWithBlocksFromItsKeys()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-catalog-").FullName;
        using var net = new DeblurNet(3);
        var path = Path.Combine(dir, "ref.pth");
        Dsd.Serialization.PyTorchZipWriter.Save(path, NetworkWeights.ReferenceStateDict(net));
        using var loaded = RestorationNetworks.Load(RestorationTask.Deblur, path);
        Assert.Equal(3, RestorationNetworks.Blocks(loaded));
    }

    /// <summary>A model path naming a pipe, a device or an empty file is refused at once (opening a pipe would wait forever).</summary>
    [UnixFact]
    public void AModelThatIsAPipeOrEmptyIsAWeightsErrorNotAHang()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-catalog-").FullName;
        var fifo = Path.Combine(dir, "m.safetensors");
        using (var mk = System.Diagnostics.Process.Start("mkfifo", fifo)) mk.WaitForExit();
        var empty = Path.Combine(dir, "e.safetensors");
        File.WriteAllBytes(empty, []);
        foreach (var path in new[] { fifo, empty, "/dev/null" })
        {
            var load = System.Threading.Tasks.Task.Run(() => Assert.Throws<DsdException>(() => RestorationNetworks.Load(RestorationTask.SuperResolution, path)));
            Assert.True(load.Wait(TimeSpan.FromSeconds(20)), $"{path}: still loading after 20 s");
            Assert.Equal(DsdErrorKind.Weights, load.Result.Kind);
            Assert.Contains(path == empty ? "empty file" : "not a regular file", load.Result.Message);
        }
    }

    /// <summary>Numbers that size restoration work are usage errors up front, not per-image failures.</summary>
    [Theory]
    [InlineData("--tile", "0")]
    [InlineData("--tile", "99999999")]
    [InlineData("--overlap", "-1")]
    [InlineData("--blocks", "0")]
    [InlineData("--blocks", "100000")]
    public void RestoreNumbersOutOfBoundsAreUsageErrors(string option, string value)
    {
        var dir = Directory.CreateTempSubdirectory("dsd-catalog-").FullName;
        Dsd.Imaging.ImageIo.SavePng(rand(1, 3, 8, 8), Path.Combine(dir, "x.png"));
        var (code, _, stderr) = CliHarness.Run("restore", "sr", option, value, "--in", Path.Combine(dir, "x.png"), "--out", Path.Combine(dir, "o"));
        Assert.Equal(1, code);
        Assert.Contains($"{option} must be between", stderr);
        Assert.False(Directory.Exists(Path.Combine(dir, "o")) && Directory.EnumerateFiles(Path.Combine(dir, "o")).Any());
    }
}

/// <summary>A fact that needs Unix special files (named pipes, /dev/null); skipped elsewhere.</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = "needs Unix named pipes and /dev/null";
    }
}
