using System.Diagnostics;
using Dsd.Imaging;
using Dsd.Quality;
using Dsd.Tests.Robustness;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Quality;

/// <summary>
/// SSIM and PSNR in row bands give the whole image's value (the same map, summed in another order), for every channel
/// choice, border and shave, with bands down to one row; and a scoring run stays within its memory budget.
/// </summary>
public sealed class BandedPixelMetricTests
{
    static Tensor Pair(int seed, long h, long w)
    {
        using var g = new Generator((ulong)seed);
        var coarse = rand(new long[] { 2, 3, h / 4, w / 4 }, generator: g);
        return (nn.functional.interpolate(coarse, [h, w], mode: InterpolationMode.Bilinear, align_corners: false) + rand(new long[] { 2, 3, h, w }, generator: g) * 0.1).clamp(0, 1);
    }

    public static TheoryData<string, SsimBorder, int> Conventions => new()
    {
        { "y", SsimBorder.Valid, 0 }, { "y", SsimBorder.ZeroPadded, 0 }, { "rgb", SsimBorder.Valid, 2 },
        { "rgb", SsimBorder.ZeroPadded, 0 }, { "gray", SsimBorder.Valid, 0 }, { "gray", SsimBorder.ZeroPadded, 3 },
    };

    [Theory]
    [MemberData(nameof(Conventions))]
    public void Ssim_in_bands_equals_the_whole_image(string channels, SsimBorder border, int shave)
    {
        using var scope = NewDisposeScope();
        var x = Pair(1, 45, 38);
        var y = Pair(2, 45, 38);
        var whole = Ssim.Banded(x, y, channels, shave, border, bandRows: long.MaxValue).data<double>().ToArray();
        foreach (var rows in new long[] { 1, 2, 7, 16 })
        {
            var banded = Ssim.Banded(x, y, channels, shave, border, rows).data<double>().ToArray();
            for (var i = 0; i < whole.Length; i++)
                Assert.True(Math.Abs(banded[i] - whole[i]) <= 1e-12 * Math.Abs(whole[i]), $"{rows}-row bands: {banded[i]:R} vs whole {whole[i]:R}");
        }
    }

    [Theory]
    [InlineData(true, 0)]
    [InlineData(false, 0)]
    [InlineData(true, 4)]
    public void Psnr_in_bands_equals_the_whole_image(bool onY, int shave)
    {
        using var scope = NewDisposeScope();
        var x = Pair(3, 41, 37);
        var y = Pair(4, 41, 37);
        var whole = Psnr.Banded(x, y, shave, onY, bandRows: long.MaxValue).data<double>().ToArray();
        foreach (var rows in new long[] { 1, 5, 13 })
        {
            var banded = Psnr.Banded(x, y, shave, onY, rows).data<double>().ToArray();
            for (var i = 0; i < whole.Length; i++)
                Assert.True(Math.Abs(banded[i] - whole[i]) <= 1e-12 * Math.Abs(whole[i]), $"{rows}-row bands: {banded[i]:R} vs whole {whole[i]:R}");
        }
    }

    /// <summary>
    /// A 3000×2000 pair scored with ssim, psnr-y and psnr-rgb under --max-memory 256M: the whole-image SSIM peaked at 7.0 GB
    /// (its 11×11 convolution unfolded 121 float64 copies of the image); in bands with the separable window, 1.0 GB here,
    /// of which decoding the two images and the runtime take about 0.9 GB (psnr-y alone peaks there).
    /// </summary>
    [Fact]
    public async Task Scoring_a_large_pair_stays_within_the_memory_budget()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-banded-").FullName;
        try
        {
            var a = SpecialFiles.Png(Path.Combine(dir, "a.png"), 3000, 2000, 1);
            var b = SpecialFiles.Png(Path.Combine(dir, "b.png"), 3000, 2000, 2);
            var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "dsd"),
                ["score", "--ref", a, "--dist", b, "--metrics", "ssim,psnr-y,psnr-rgb", "--max-memory", "256M", "--format", "csv"])
                { RedirectStandardOutput = true, RedirectStandardError = true };
            start.Environment["OMP_NUM_THREADS"] = "1";
            using var p = Process.Start(start)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            long peak = 0;
            while (!p.HasExited)
            {
                try
                {
                    // VmHWM: the high-water mark, so a late sample still sees the peak.
                    var line = File.ReadLines($"/proc/{p.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
                    if (line is not null) peak = Math.Max(peak, long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024);
                }
                catch (IOException) { }
                await Task.Delay(20);
            }
            await p.WaitForExitAsync();
            Assert.True(p.ExitCode == 0, await stderr);
            Assert.Contains("a.png", await stdout);
            Assert.True(peak is > 0 and < 1_500_000_000, $"peak RSS {peak / 1e6:F0} MB");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
