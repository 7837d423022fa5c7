using System.Text.Json;
using Xunit;

namespace Dsd.Tests.Cli;

/// <summary>
/// <c>--metrics perceptual</c> with only the built-in VGG19 subset (conv1_1…conv3_1) uses relu2_2, as its help says,
/// offline and without a download (issue 23 item 6: it had started the 548 MB download of the full file).
/// </summary>
public class PerceptualDefaultLayerTests
{
    static string Golden(string name) => Path.Combine(TestPaths.GoldenRandom, name);

    /// <summary>No weights file anywhere: an empty DSD_HOME, no DSD_VGG19_WEIGHTS, downloads forbidden (DSD_OFFLINE=1).</summary>
    static Task<(int Code, string Out, string Err)> ScoreWithBuiltInWeights(params string[] extra)
    {
        var home = Directory.CreateTempSubdirectory("dsd-home-").FullName;
        return DsdProcess.RunWith(new Dictionary<string, string?> { ["DSD_HOME"] = home, ["DSD_VGG19_WEIGHTS"] = null },
            ["score", "--ref", Golden("ref_crop.png"), "--dist", Golden("dist_crop.png"), "--metrics", "perceptual", "--format", "json", .. extra]);
    }

    [Fact]
    public async Task DefaultIsRelu22WithTheBuiltInWeights()
    {
        var (code, json, err) = await ScoreWithBuiltInWeights();
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(json);
        var settings = doc.RootElement.GetProperty("settings");
        Assert.Equal("relu2_2", settings.GetProperty("perceptual_layer").GetString());
        Assert.StartsWith("embedded:", settings.GetProperty("vgg19_weights").GetString());
        var value = doc.RootElement.GetProperty("rows")[0].GetProperty("perceptual").GetDouble();

        // The same number as asking for relu2_2 by name.
        var (named, namedJson, namedErr) = await ScoreWithBuiltInWeights("--perceptual-layer", "relu2_2");
        Assert.True(named == 0, namedErr);
        using var namedDoc = JsonDocument.Parse(namedJson);
        Assert.Equal(namedDoc.RootElement.GetProperty("rows")[0].GetProperty("perceptual").GetDouble(), value);
        Assert.True(value > 0);
        Assert.Contains("perceptual uses relu2_2", err);
    }

    [Fact]
    public async Task AskingForConv54ByNameStillNeedsTheFullFile()
    {
        var (code, _, err) = await ScoreWithBuiltInWeights("--perceptual-layer", "conv5_4");
        Assert.Equal(3, code);   // weights
        Assert.Contains("conv5_4", err);
        Assert.Contains("DSD_OFFLINE", err);
    }
}
