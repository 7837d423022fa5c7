using System.Text.Json;
using Dsd.Imaging;
using Dsd.Quality;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.NoReference;

/// <summary>
/// PSNR and SSIM on the five TID2013 pairs of IQA-PyTorch's ResultsCalibra (../shared, not committed) against the
/// reference DSD evaluator (golden.json: float32, so relative 1e-4) and the calibration table's "official" numbers,
/// printed to 2 (PSNR) and 4 (SSIM) decimals, so those are compared to half a unit of the last printed digit.
/// </summary>
public sealed class CalibrationTests
{
    static readonly string[] Pairs = ["I03", "I04", "I06", "I08", "I19"];

    static string Dir => TestPaths.SharedPath("data", "iqa-calibration", "ResultsCalibra")!;

    static (Tensor Distorted, Tensor Reference) Load(string name) =>
        (ImageIo.Load(Path.Combine(Dir, "dist_dir", name + ".bmp")), ImageIo.Load(Path.Combine(Dir, "ref_dir", name + ".bmp")));

    static double Golden(string key)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.GoldenRandom, "golden.json")));
        return json.RootElement.GetProperty("cases").GetProperty(key).GetProperty("value").GetDouble();
    }

    /// <summary>One row of results_official.csv: metric name, then one value per image.</summary>
    static double[] Official(string metric) =>
        File.ReadLines(Path.Combine(Dir, "results_official.csv"))
            .Select(line => line.Split(','))
            .Single(cells => cells[0] == metric)
            .Skip(1).Select(double.Parse).ToArray();

    [SharedFact("data", "iqa-calibration", "ResultsCalibra")]
    public void Psnr_y_and_zero_padded_rgb_ssim_of_I03_match_the_reference_evaluator()
    {
        using var scope = NewDisposeScope();
        var (d, r) = Load("I03");
        Close.Scalar(Golden("psnr_y_full"), new PsnrMetric().Score(d, r), what: "psnr_y_full");
        Close.Scalar(Golden("ssim_rgb_full"), new SsimMetric("rgb").Score(d, r), what: "ssim_rgb_full");
    }

    [SharedFact("data", "iqa-calibration", "ResultsCalibra")]
    public void Rgb_psnr_matches_the_official_skimage_values()
    {
        var official = Official("psnr");
        // pnsr_org_result.txt has skimage's values to 8 decimals.
        var precise = new[] { 21.11363373, 20.98719596, 27.01387096, 23.30025543, 21.61864985 };
        for (var i = 0; i < Pairs.Length; i++)
        {
            using var scope = NewDisposeScope();
            var (d, r) = Load(Pairs[i]);
            var psnr = new PsnrMetric(onY: false).Score(d, r);
            Assert.True(Math.Abs(psnr - official[i]) <= 0.005 + 1e-9, $"{Pairs[i]}: psnr-rgb {psnr:F4}, official {official[i]}");
            Close.Scalar(precise[i], psnr, rtol: 1e-6, what: Pairs[i]);
        }
    }

    [SharedFact("data", "iqa-calibration", "ResultsCalibra")]
    public void Gray_ssim_matches_the_official_matlab_values()
    {
        var official = Official("ssim");
        for (var i = 0; i < Pairs.Length; i++)
        {
            using var scope = NewDisposeScope();
            var (d, r) = Load(Pairs[i]);
            var ssim = new SsimMetric("gray").Score(d, r);
            Assert.True(Math.Abs(ssim - official[i]) <= 0.00005 + 1e-9, $"{Pairs[i]}: ssim gray {ssim:F6}, official {official[i]}");
        }
    }
}
