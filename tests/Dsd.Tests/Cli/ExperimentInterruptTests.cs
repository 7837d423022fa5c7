using System.Diagnostics;
using Dsd.Imaging;
using Dsd.Tests.Experiments;
using Xunit;

namespace Dsd.Tests.Cli;

/// <summary>SIGTERM (or Ctrl+C) stops a DSD minimisation after its step and keeps what it measured: the CSVs, the plot and the image reached.</summary>
[Collection(CliHarness.Name)]
public class ExperimentInterruptTests
{
    [PosixSignalFact]
    public async Task SigtermStopsMinimisationKeepingImageCsvAndPlot()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-min-int-").FullName;
        var image = Path.Combine(dir, "x.png");
        ImageIo.SavePng(ExperimentImages.Textured(32, 5), image);
        var outDir = Path.Combine(dir, "out");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "dsd.dll"), "minimize", "--image", image, "--steps", "1000000", "--out", outDir, "--vgg-weights", CliHarness.GoldenWeights },
        };
        start.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(start)!;
        var stderr = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var csv = Path.Combine(outDir, "steps.csv");
        try
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(90) && !process.HasExited && (!File.Exists(csv) || Lines(csv) < 4))
                await Task.Delay(100);
            Assert.True(File.Exists(csv) && Lines(csv) >= 4, "the minimisation did not start: " + stderr);
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                kill.WaitForExit();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }

        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}: {stderr}");
        var rows = PictureChecks.ReadCsv(csv);
        var last = int.Parse(rows[^1][0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(last, 3, 999_999);
        Assert.True(File.Exists(Path.Combine(outDir, $"step-{last:D5}.png")), "the image reached is saved");
        Assert.Equal(["0", last.ToString(System.Globalization.CultureInfo.InvariantCulture)], PictureChecks.ReadCsv(Path.Combine(outDir, "summary.csv")).Skip(1).Select(r => r[0]));
        Assert.True(File.Exists(Path.Combine(outDir, "plot.png")));
        Assert.Empty(Directory.GetFiles(outDir, "*.tmp", SearchOption.AllDirectories));
    }

    static int Lines(string path)
    {
        try { using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite); using var r = new StreamReader(s); var n = 0; while (r.ReadLine() is not null) n++; return n; }
        catch (IOException) { return 0; }
    }

    [Fact]
    public void MissingImageIsAnInputErrorNamingTheFileAndABadStepListAUsageError()
    {
        var missing = Path.Combine(Path.GetTempPath(), "dsd-no-such-image.png");
        var (code, _, err) = CliHarness.Run("match", "--content", missing, "--reference", missing, "--vgg-weights", CliHarness.GoldenWeights);
        Assert.Equal(2, code);
        Assert.Contains("dsd-no-such-image.png", err);
        (code, _, err) = CliHarness.Run("minimize", "--image", missing, "--steps", "0", "--vgg-weights", CliHarness.GoldenWeights);
        Assert.Equal(1, code);
        Assert.Contains("'0'", err);
        (code, _, err) = CliHarness.Run("match", "--content", missing, "--reference", missing, "--pairs", "2-1");
        Assert.Equal(1, code);
        Assert.Contains("--pairs", err);
    }
}
