using System.Globalization;
using Dsd.Cli.Pictures;
using Dsd.Dissimilarity;
using Dsd.Features;
using Dsd.Imaging;
using Dsd.Serialization;
using Dsd.Tests.Cli;
using SkiaSharp;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Pictures;

[Collection(CliHarness.Name)]
public class VisualizeCommandTests
{
    static string Golden(string file) => Path.Combine(TestPaths.GoldenRandom, file);

    /// <summary>A folder with the golden pair, a mirrored copy of the reference and a corrupt file.</summary>
    static string Folder()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-vis-").FullName;
        File.Copy(Golden("ref_crop.png"), Path.Combine(dir, "a-ref.png"));
        File.Copy(Golden("dist_crop.png"), Path.Combine(dir, "b-dist.png"));
        ImageIo.SavePng(ImageIo.Load(Golden("ref_crop.png")).flip(3), Path.Combine(dir, "c-mirror.png"));
        File.WriteAllText(Path.Combine(dir, "d-broken.png"), "not a png");
        return dir;
    }

    [Fact]
    public void FolderGivesPicturesPerImageAComparisonAndACsvOfTheLibraryValuesAndReportsTheBadFile()
    {
        var input = Folder();
        var output = Path.Combine(Directory.CreateTempSubdirectory("dsd-vis-out-").FullName, "pictures");
        var (code, _, stderr) = CliHarness.Run("visualize", input, "--out", output, "--vgg-weights", CliHarness.GoldenWeights);

        Assert.Equal(2, code); // the broken file failed, the others were drawn
        Assert.Contains("d-broken.png", stderr);
        Assert.Contains("3 images", stderr);
        foreach (var name in new[] { "a-ref", "b-dist", "c-mirror" })
        {
            var heat = PngProbe.Load(Path.Combine(output, name + ".heatmaps.png"));
            Assert.Equal((1100, 620), (heat.Width, heat.Height));
            Assert.True(heat.StdDev(20, 80, 900, 520, c => c.Blue - c.Red) > 5, $"{name}: heatmap is flat");
            var bars = PngProbe.Load(Path.Combine(output, name + ".layers.png"));
            Assert.Equal((800, 480), (bars.Width, bars.Height));
        }
        Assert.False(File.Exists(Path.Combine(output, "d-broken.heatmaps.png")));
        Assert.Empty(Directory.GetFiles(output, "*.tmp"));

        // The CSV holds exactly what the library computes for each image: mean |DSD_α^l| (docs/method.md §1).
        var lines = File.ReadAllLines(Path.Combine(output, "fingerprints.csv"));
        Assert.Equal("image,alpha,layer,mean_abs_dsd", lines[0]);
        Assert.Equal(1 + 3 * 8, lines.Length);
        var vgg = SafeTensors.Load(CliHarness.GoldenWeights).Where(kv => kv.Key.StartsWith("vgg19/", StringComparison.Ordinal)).ToDictionary(kv => kv.Key["vgg19/".Length..], kv => kv.Value);
        using var features = new Vgg19Features(DsdOptions.Fingerprint.Layers, vgg);
        using var print = Fingerprint.Compute(features, ImageIo.Load(Path.Combine(input, "b-dist.png")), DsdOptions.Fingerprint);
        foreach (var line in lines.Where(l => l.StartsWith("b-dist,", StringComparison.Ordinal)))
        {
            var cells = line.Split(',');
            var expected = print.MeanAbs(double.Parse(cells[1], CultureInfo.InvariantCulture), cells[2]).item<float>();
            Close.Scalar(expected, double.Parse(cells[3], CultureInfo.InvariantCulture), rtol: 1e-5, what: line);
        }

        // One panel per α in the comparison, each with a bar per image and layer: 3 images × 4 layers.
        var comparison = PngProbe.Load(Path.Combine(output, "comparison.png"));
        var half = comparison.Height / 2;
        var layerColours = Enumerable.Range(0, 4).Select(i => PlotPalette.Series(i)).Select(c => new SKColor(c.R, c.G, c.B)).ToArray();
        foreach (var (top, bottom) in new[] { (0, half), (half, comparison.Height) })
        {
            var baseRow = -1;
            for (var y = bottom - 1; y >= top && baseRow < 0; y--)
                for (var x = 0; x < comparison.Width && baseRow < 0; x++)
                    if (layerColours.Any(c => PngProbe.Near(comparison[x, y], c))) baseRow = y; // every bar starts on this row
            var counts = layerColours.Select(c => comparison.RunsInRow(baseRow, p => PngProbe.Near(p, c)).Count).ToList();
            Assert.Equal([3, 3, 3, 3], counts);
        }
    }

    [Fact]
    public void SingleImageWritesItsTwoPicturesAndNoComparison()
    {
        var output = Directory.CreateTempSubdirectory("dsd-vis-one-").FullName;
        var (code, _, stderr) = CliHarness.Run("visualize", Golden("ref_crop.png"), "--out", output, "--vgg-weights", CliHarness.GoldenWeights);
        Assert.True(code == 0, stderr);
        Assert.Equal(["ref_crop.heatmaps.png", "ref_crop.layers.png"], Directory.GetFiles(output).Select(f => Path.GetFileName(f)!).Order().ToArray());
    }

    [Theory]
    [InlineData("missing.png")]
    [InlineData("empty-folder")]
    public void NothingToDrawIsAnInputErrorNamingThePath(string what)
    {
        var dir = Directory.CreateTempSubdirectory("dsd-vis-bad-").FullName;
        var path = Path.Combine(dir, what);
        if (what == "empty-folder") Directory.CreateDirectory(path);
        var (code, _, stderr) = CliHarness.Run("visualize", path, "--out", Path.Combine(dir, "out"), "--vgg-weights", CliHarness.GoldenWeights);
        Assert.Equal(2, code);
        Assert.Contains(what, stderr);
    }

    [Fact]
    public void HelpShowsAnExample()
    {
        var (code, stdout, _) = CliHarness.Run("visualize", "--help");
        Assert.Equal(0, code);
        Assert.Contains("Example: dsd visualize", stdout);
        Assert.Contains("--out", stdout);
    }
}
