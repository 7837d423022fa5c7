using System.Text.Json;
using Dsd.Imaging;
using Dsd.Quality;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Dsd.Tests.NoReference;

/// <summary>
/// NIQE and BRISQUE against ../shared/golden/nr-anchors/values.json (copied to TestData/nr-anchors): independent
/// implementations (a numpy port of BasicSR's NIQE, OpenCV 4.6's QualityBRISQUE) on 86 images: CSIQ 1600's ten
/// distortions and 19 Set5+Set14 images with their SRResNet, EDSR and SRGAN outputs. The images are read from
/// ../shared/data at run time.
/// </summary>
public sealed class NaturalnessParityTests(ITestOutputHelper output)
{
    /// <summary>The issue's tolerances: NIQE to 0.01, BRISQUE to 0.1 (OpenCV computes in float32).</summary>
    const double NiqeTolerance = 0.01, BrisqueTolerance = 0.1;

    /// <summary>Every image of values.json with its path under ../shared/data and its reference values.</summary>
    static List<(string Name, string Path, double Niqe, double NiqeY, double Brisque)> Anchors(string data)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.TestData, "nr-anchors", "values.json")));
        var result = new List<(string, string, double, double, double)>();
        (double, double, double) Values(JsonElement e) => (e.GetProperty("niqe").GetDouble(), e.GetProperty("niqe_y").GetDouble(), e.GetProperty("brisque").GetDouble());
        foreach (var image in json.RootElement.GetProperty("csiq_1600_subset").EnumerateObject())
        {
            var (n, y, b) = Values(image.Value);
            result.Add((image.Name, Path.Combine(data, "iqa-human", "csiq_1600_subset", image.Name), n, y, b));
        }
        var sr = Path.Combine(data, "sr-method-outputs", "srresnet-srgan-edsr");
        var files = new Dictionary<string, Func<string, string>>
        {
            ["HR"] = n => Path.Combine(sr, "HR", $"{n}.png"),
            ["SRResNet"] = n => Path.Combine(sr, "SRResNet", "images", $"{n}_SRResNet-MSE.png"),
            ["EDSR"] = n => Path.Combine(sr, "EDSR", "images", $"{n}_EDSR.png"),
            ["SRGAN"] = n => Path.Combine(sr, "SRGAN", "images", $"{n}_SRGAN-VGG54.png"),
        };
        foreach (var image in json.RootElement.GetProperty("sr_method_outputs").EnumerateObject())
            foreach (var method in image.Value.EnumerateObject())
            {
                var (n, y, b) = Values(method.Value);
                result.Add(($"{image.Name}/{method.Name}", files[method.Name](image.Name), n, y, b));
            }
        return result;
    }

    [SharedFact("data", "sr-method-outputs", "srresnet-srgan-edsr")]
    public void Niqe_and_brisque_match_the_reference_implementations_on_86_images()
    {
        var anchors = Anchors(Path.Combine(TestPaths.Shared!, "data"));
        Assert.Equal(86, anchors.Count);
        var (niqe, niqeY, brisque) = (new NiqeMetric(), new NiqeMetric(onY: true), new BrisqueMetric());
        double worstNiqe = 0, worstNiqeY = 0, worstBrisque = 0;
        var failures = new List<string>();
        foreach (var a in anchors)
        {
            using var scope = NewDisposeScope();
            var image = ImageIo.Load(a.Path);
            var (n, y, b) = (niqe.Score(image, null), niqeY.Score(image, null), brisque.Score(image, null));
            worstNiqe = Math.Max(worstNiqe, Math.Abs(n - a.Niqe));
            worstNiqeY = Math.Max(worstNiqeY, Math.Abs(y - a.NiqeY));
            worstBrisque = Math.Max(worstBrisque, Math.Abs(b - a.Brisque));
            output.WriteLine($"{a.Name}: niqe {n:F5} (ref {a.Niqe:F5}), niqe-y {y:F5} (ref {a.NiqeY:F5}), brisque {b:F4} (ref {a.Brisque:F4})");
            if (Math.Abs(n - a.Niqe) > NiqeTolerance || Math.Abs(y - a.NiqeY) > NiqeTolerance || Math.Abs(b - a.Brisque) > BrisqueTolerance)
                failures.Add(a.Name);
        }
        output.WriteLine($"max |difference|: niqe {worstNiqe:G3}, niqe-y {worstNiqeY:G3}, brisque {worstBrisque:G3}");
        Assert.True(failures.Count == 0, $"outside tolerance: {string.Join(", ", failures)} (max niqe {worstNiqe:G3}, niqe-y {worstNiqeY:G3}, brisque {worstBrisque:G3})");
    }

    /// <summary>
    /// BasicSR's baboon.png on the Y channel: MATLAB R2021a's NIQE is 5.72957338 (BasicSR's docstring), the float64
    /// numpy port 5.72996 (../shared/golden/nr-anchors/README.md); ours follows the port in float64.
    /// </summary>
    [SharedFact("golden", "nr-anchors", "baboon.png")]
    public void Niqe_y_of_baboon_is_matlabs_within_the_tolerance_and_the_ports_float64_value()
    {
        using var scope = NewDisposeScope();
        var value = new NiqeMetric(onY: true).Score(ImageIo.Load(TestPaths.SharedPath("golden", "nr-anchors", "baboon.png")!), null);
        output.WriteLine($"niqe-y(baboon) = {value:F6}");
        Assert.Equal(5.72957338, value, NiqeTolerance);
        Assert.Equal(5.72996, value, 5e-6);
    }
}
