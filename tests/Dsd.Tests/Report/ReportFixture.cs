using System.Text.Json;
using Dsd.Imaging;
using Dsd.Tests.Cli;
using static TorchSharp.torch;

namespace Dsd.Tests.Report;

/// <summary>
/// Two "methods" scored against the same three references with the real <c>dsd score</c>, and the HTML report of both,
/// made once for the report tests: method "blur" smooths the references, method "noise" adds noise.
/// </summary>
public sealed class ReportFixture
{
    public string Root { get; }

    public string Html { get; }

    public string[] Json { get; }

    public int Code { get; }

    public string Stderr { get; }

    public const int Pairs = 2;

    public ReportFixture()
    {
        Root = Directory.CreateTempSubdirectory("dsd-report-").FullName;
        var refs = Directory.CreateDirectory(Path.Combine(Root, "HR")).FullName;
        var blur = Directory.CreateDirectory(Path.Combine(Root, "blur")).FullName;
        var noise = Directory.CreateDirectory(Path.Combine(Root, "noise")).FullName;
        var source = ImageIo.Load(Path.Combine(TestPaths.GoldenRandom, "ref_crop.png"));
        var images = new Dictionary<string, Tensor> { ["apple"] = source, ["berry"] = source.flip(3), ["cherry"] = source.flip(2) };
        manual_seed(11);
        var strength = 0;
        foreach (var (name, image) in images)
        {
            strength++;
            ImageIo.SavePng(image, Path.Combine(refs, name + ".png"));
            // Blur and noise of growing strength, so the pairs have distinct scores and a definite worst and best.
            var k = 2 * strength + 1;
            var smooth = nn.functional.avg_pool2d(nn.functional.pad(image, [k / 2, k / 2, k / 2, k / 2], TorchSharp.PaddingModes.Replicate), k, 1);
            ImageIo.SavePng(smooth, Path.Combine(blur, name + "_blur.png"));
            ImageIo.SavePng((image + 0.04 * strength * randn_like(image)).clamp(0, 1), Path.Combine(noise, name + "_noise.png"));
        }
        Json = new[] { "blur", "noise" }.Select(method =>
        {
            var json = Path.Combine(Root, method + ".json");
            var (code, _, err) = CliHarness.Run("score", "--ref", refs, "--dist", Path.Combine(Root, method), "--dist-suffix", "_" + method,
                "--metrics", "dsd,psnr-y", "--format", "json", "--out", json, "--vgg-weights", CliHarness.GoldenWeights);
            if (code != 0) throw new InvalidOperationException($"dsd score failed ({code}): {err}");
            return json;
        }).ToArray();
        Html = Path.Combine(Root, "report.html");
        (Code, _, Stderr) = CliHarness.Run(["report", .. Json, "--html", Html, "--pairs", Pairs.ToString(), "--vgg-weights", CliHarness.GoldenWeights]);
    }

    /// <summary>The dsd value of every pair, from the JSON files: (method, dist file name) → value.</summary>
    public Dictionary<(string Method, string Dist), double> Scores(string metric) =>
        Json.SelectMany(j =>
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(j));
            var method = Path.GetFileNameWithoutExtension(j);
            return doc.RootElement.GetProperty("rows").EnumerateArray()
                .Select(r => (Key: (method, Path.GetFileName(r.GetProperty("dist").GetString()!)), Value: r.GetProperty(metric).GetDouble())).ToList();
        }).ToDictionary(x => x.Key, x => x.Value);
}
