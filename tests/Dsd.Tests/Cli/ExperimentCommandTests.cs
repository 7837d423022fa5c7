using Dsd.Cli.Pictures;
using Dsd.Imaging;
using Dsd.Tests.Experiments;
using Dsd.Tests.Training;
using SkiaSharp;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Cli;

[Collection(CliHarness.Name)]
public class ExperimentCommandTests
{
    static string TempDir(string name) => Directory.CreateTempSubdirectory($"dsd-{name}-").FullName;

    [Fact]
    public void MatchWritesResultsGridWithTheFourPanelsAndAFallingLossCsv()
    {
        var dir = TempDir("match");
        var (content, reference) = (Path.Combine(dir, "a.png"), Path.Combine(dir, "b.png"));
        ImageIo.SavePng(ExperimentImages.Smooth(40, 1), content);
        ImageIo.SavePng(ExperimentImages.Textured(48, 2), reference);
        var outDir = Path.Combine(dir, "out");
        var (code, stdout, stderr) = CliHarness.Run("match", "--content", content, "--reference", reference, "--steps", "12", "--lr", "0.1",
            "--compare", "style", "--out", outDir, "--vgg-weights", CliHarness.GoldenWeights);
        Assert.True(code == 0, stderr);
        Assert.Contains("style", stdout);

        var rows = PictureChecks.ReadCsv(Path.Combine(outDir, "loss.csv"));
        Assert.Equal(["objective", "step", "dsd_distance", "style_distance"], rows[0]);
        Assert.Equal(2 * 13, rows.Count - 1);
        var dsd = rows.Skip(1).Where(r => r[0] == "dsd").Select(r => PictureChecks.Number(r[2])).ToList();
        var style = rows.Skip(1).Where(r => r[0] == "style").Select(r => PictureChecks.Number(r[3])).ToList();
        Assert.True(dsd[^1] < dsd[0] / 2, $"DSD distance {dsd[0]} → {dsd[^1]}");
        Assert.True(style[^1] < style[0] / 2, $"style distance {style[0]} → {style[^1]}");

        // Each panel of the grid shows its image: the panel's mean colour equals the image's (smoothly scaled).
        string[] panels = ["content.png", "reference.png", "result-dsd.png", "result-style.png"];
        var images = panels.Select(p => ImageIo.Load(Path.Combine(outDir, p))).ToList();
        var layout = LabelledGrid.Layout([images.Select(t => ((int)t.shape[3], (int)t.shape[2])).ToList()], 128, rowNames: false, title: true);
        using var grid = PictureChecks.Load(Path.Combine(outDir, "grid.png"));
        Assert.Equal((layout.Width, layout.Height), (grid.Width, grid.Height));
        for (var j = 0; j < panels.Length; j++)
        {
            var expected = images[j].mean([2, 3]).squeeze(0).mul(255);
            var actual = PictureChecks.Mean(grid, layout.Cells[0][j]);
            Assert.True(Math.Abs(actual.R - expected[0].item<float>()) < 4 && Math.Abs(actual.G - expected[1].item<float>()) < 4 && Math.Abs(actual.B - expected[2].item<float>()) < 4,
                $"{panels[j]}: panel mean ({actual.R:F1}, {actual.G:F1}, {actual.B:F1}) vs image ({expected[0].item<float>():F1}, {expected[1].item<float>():F1}, {expected[2].item<float>():F1})");
        }
        // The results differ from each other and from the start.
        Assert.True((images[2] - images[3]).abs().mean().item<float>() > 0.01);
        Assert.True((images[2] - images[0]).abs().mean().item<float>() > 0.01);
    }

    [Fact]
    public void MinimizeSavesListedStepsPlotAndCsvs()
    {
        var dir = TempDir("minimize");
        var image = Path.Combine(dir, "x.png");
        ImageIo.SavePng(ExperimentImages.Textured(48, 3), image);
        var outDir = Path.Combine(dir, "out");
        var (code, stdout, stderr) = CliHarness.Run("minimize", "--image", image, "--steps", "3,10", "--lr", "0.05", "--out", outDir,
            "--vgg-weights", CliHarness.GoldenWeights);
        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(Path.Combine(outDir, "step-00003.png")) && File.Exists(Path.Combine(outDir, "step-00010.png")));

        var steps = PictureChecks.ReadCsv(Path.Combine(outDir, "steps.csv"));
        Assert.Equal(["step", "dsd_norm", "rmse_to_start", "psnr_y_to_start"], steps[0]);
        Assert.Equal(11, steps.Count - 1);
        var norms = steps.Skip(1).Select(r => PictureChecks.Number(r[1])).ToList();
        Assert.True(norms[^1] < 0.8 * norms[0], $"‖DSD‖₁ {norms[0]} → {norms[^1]}");

        var summary = PictureChecks.ReadCsv(Path.Combine(outDir, "summary.csv"));
        Assert.Equal(["0", "3", "10"], summary.Skip(1).Select(r => r[0]));
        Assert.Equal("inf", summary[1][3]);
        Assert.True(PictureChecks.Number(summary[3][3]) < PictureChecks.Number(summary[2][3]), "PSNR to the start falls as x moves");
        // noref-dsd of the saved images (shipped psi, calibrated form: a finite number of either sign) follows the image.
        var noref = summary.Skip(1).Select(r => PictureChecks.Number(r[5])).ToList();
        Assert.All(noref, q => Assert.True(double.IsFinite(q), "noref-dsd of the saved images (shipped psi)"));
        Assert.NotEqual(noref[0], noref[2]);

        // The plot: a real picture with both curves drawn and the ‖DSD‖₁ curve not flat.
        using var plot = PictureChecks.Load(Path.Combine(outDir, "plot.png"));
        Assert.Equal((900, 480), (plot.Width, plot.Height));
        Assert.True(PictureChecks.GreySpread(plot) > 10);
        var blue = CurveRows(plot, MinimizationPlot.NormColour);
        var red = CurveRows(plot, MinimizationPlot.DistanceColour);
        Assert.True(blue.Count > 100 && red.Count > 20, $"curve pixels: blue {blue.Count}, red {red.Count}");
        Assert.True(blue.Max() - blue.Min() > plot.Height / 4, "the ‖DSD‖₁ curve spans a quarter of the plot's height");
    }

    /// <summary>Rows of the pixels drawn in (nearly) a given colour, left of the legend's column range excluded by position.</summary>
    static List<int> CurveRows(SKBitmap bitmap, ScottPlot.Color colour)
    {
        var rows = new List<int>();
        for (var y = 0; y < bitmap.Height; y++)
            for (var x = 0; x < bitmap.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                if (Math.Abs(c.Red - colour.R) + Math.Abs(c.Green - colour.G) + Math.Abs(c.Blue - colour.B) < 30) rows.Add(y);
            }
        return rows;
    }

    [Fact]
    public void CompareLossesTrainsEachLossWritesTableAndGridAndResumes()
    {
        using var f = new TrainingFixture(images: 3, side: 48, validationImages: 2);
        string[] args = ["compare-losses", "--train", f.Data, "--val", f.Validation, "--out", f.Out, "--losses", "dsd,style", "--steps", "2",
            "--pretrain-steps", "1", "--batch-size", "2", "--crop", "8", "--save-every", "1", "--vgg-weights", CliHarness.GoldenWeights];
        var (code, stdout, stderr) = CliHarness.Run(args);
        Assert.True(code == 0, stderr);

        var rows = PictureChecks.ReadCsv(Path.Combine(f.Out, "metrics.csv"));
        Assert.Equal(["method", "steps", "weight", "psnr_y", "ssim", "dsd", "noref_dsd"], rows[0]);
        Assert.Equal(["ground truth", "bicubic", "pretrain (L1)", "dsd", "style"], rows.Skip(1).Select(r => r[0]));
        Assert.Equal("inf", rows[1][3]);
        Assert.Equal(0, PictureChecks.Number(rows[1][5]));
        Assert.Equal("100", rows[4][2]);
        foreach (var r in rows.Skip(2)) Assert.True(PictureChecks.Number(r[5]) > 0 && PictureChecks.Number(r[3]) is > 5 and < 60);
        // Same start, same batches, different losses: different networks.
        Assert.NotEqual(rows[4][3], rows[5][3]);
        Assert.Contains("bicubic", stdout);

        // The grid: 2 rows (validation images) × 5 columns of pixelated crops (the whole 48×48 images, shown at 192×192).
        using var grid = PictureChecks.Load(Path.Combine(f.Out, "grid.png"));
        var side = 48;
        var layout = LabelledGrid.Layout(Enumerable.Repeat((IReadOnlyList<(int, int)>)Enumerable.Repeat((side, side), 5).ToList(), 2).ToList(), 192, rowNames: true, title: true);
        Assert.Equal((layout.Width, layout.Height), (grid.Width, grid.Height));
        Assert.True(PictureChecks.GreySpread(grid) > 10);

        // Again with the same settings: everything is finished, nothing is retrained.
        (code, _, stderr) = CliHarness.Run(args);
        Assert.True(code == 0, stderr);
        Assert.Contains("dsd: finished earlier (2 steps), skipped", stderr);
        // Longer: each loss's run resumes from its checkpoint; the pretraining is not repeated.
        args[Array.IndexOf(args, "--steps") + 1] = "3";
        (code, _, stderr) = CliHarness.Run(args);
        Assert.True(code == 0, stderr);
        Assert.Contains("pretrain: finished earlier", stderr);
        Assert.Contains("dsd: resumed from", stderr);
        Assert.Equal(3, (long)Dsd.Restoration.RestorationCheckpoint.ReadSidecar(Path.Combine(f.Out, "runs", "dsd", "last.json")).Sidecar["step"]!);

        // Other settings in the same folder would mix two experiments: refused.
        (code, _, stderr) = CliHarness.Run([.. args, "--lr", "1e-3"]);
        Assert.Equal(2, code);
        Assert.Contains("other settings", stderr);
    }
}
