using System.Text.RegularExpressions;
using Dsd.Tests.Cli;
using Dsd.Tests.Pictures;
using Xunit;

namespace Dsd.Tests.Report;

[Collection(CliHarness.Name)]
public partial class HtmlReportTests(ReportFixture report) : IClassFixture<ReportFixture>
{
    string Html => File.ReadAllText(report.Html);

    [GeneratedRegex("data:(image/(?:png|jpeg));base64,([A-Za-z0-9+/=]+)")]
    private static partial Regex DataUri();

    [GeneratedRegex("<img class=\"([^\"]+)\"")]
    private static partial Regex ImgClass();

    [Fact]
    public void ReportIsWrittenAndSelfContained()
    {
        Assert.True(report.Code == 0, report.Stderr);
        var html = Html;
        Assert.StartsWith("<!DOCTYPE html>", html);
        // Nothing is fetched from elsewhere: no links, no external scripts, styles or images.
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("src=\"http", html);
        Assert.DoesNotContain("<script src", html);
        Assert.DoesNotContain("url(", html);
        Assert.InRange(new FileInfo(report.Html).Length, 50_000, 3_000_000);
    }

    [Fact]
    public void TableHasOneRowPerPairWithTheScoresOfTheJson()
    {
        var html = Html;
        var table = html[html.IndexOf("<table id=\"pair-table\"", StringComparison.Ordinal)..];
        table = table[..table.IndexOf("</table>", StringComparison.Ordinal)];
        var rows = Regex.Matches(table, "<tr>.*?</tr>", RegexOptions.Singleline).Skip(1).Select(m => m.Value).ToList(); // skip the header
        Assert.Equal(6, rows.Count);
        foreach (var ((method, dist), value) in report.Scores("dsd"))
        {
            var row = Assert.Single(rows, r => r.Contains($">{dist}<", StringComparison.Ordinal));
            Assert.Contains($"<td>{method}</td>", row);
            var cell = Regex.Match(row, "data-value=\"([^\"]*)\"").Groups[1].Value; // dsd is the first metric column
            Assert.Equal(value, double.Parse(cell, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void PicturesAreHistogramsComparisonsThumbnailsAndHeatmaps()
    {
        var classes = ImgClass().Matches(Html).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, classes.Count(c => c == "chart histogram"));   // dsd and psnr-y
        Assert.Equal(2, classes.Count(c => c == "chart comparison"));  // the same two, per reference image
        var cards = 2 * ReportFixture.Pairs;                            // worst and best
        Assert.Equal(2 * cards, classes.Count(c => c == "thumbnail"));  // ref and dist in each
        Assert.Equal(cards, classes.Count(c => c == "heatmap"));
        foreach (Match m in DataUri().Matches(Html))
        {
            var probe = new PngProbe(Convert.FromBase64String(m.Groups[2].Value));
            Assert.True(probe.Width > 0 && probe.Height > 0);
        }
    }

    [Fact]
    public void ThumbnailsAreAtMost256Pixels()
    {
        var thumbs = Regex.Matches(Html, "class=\"thumbnail\"[^>]*src=\"data:image/jpeg;base64,([^\"]+)\"").ToList();
        Assert.NotEmpty(thumbs);
        foreach (var t in thumbs)
        {
            var p = new PngProbe(Convert.FromBase64String(t.Groups[1].Value));
            Assert.True(Math.Max(p.Width, p.Height) <= 256, $"{p.Width}×{p.Height}");
        }
    }

    [Fact]
    public void WorstPairsComeFirstAndHaveLargerDsdThanTheBest()
    {
        var html = Html;
        var scores = report.Scores("dsd");
        double Card(string title)
        {
            var at = html.IndexOf($"<b>{title}</b>", StringComparison.Ordinal);
            Assert.True(at >= 0, $"no card '{title}'");
            var dist = Regex.Match(html[at..], "</b> (\\w+): (\\S+) ").Groups;
            return scores[(dist[1].Value, dist[2].Value)];
        }
        var all = scores.Values.Order().ToList();
        Assert.Equal(all[^1], Card("worst #1"));
        Assert.Equal(all[^2], Card("worst #2"));
        Assert.Equal(all[0], Card("best #1"));
        Assert.Equal(all[1], Card("best #2"));
    }

    [Fact]
    public void ResultsThatAreNotScoreJsonAreRefusedNamingTheFile()
    {
        var bad = Path.Combine(report.Root, "bad.json");
        File.WriteAllText(bad, "{\"hello\": 1}");
        var (code, _, stderr) = CliHarness.Run("report", bad, "--html", Path.Combine(report.Root, "x.html"), "--no-heatmaps");
        Assert.Equal(2, code);
        Assert.Contains("bad.json", stderr);
        Assert.Contains("dsd score --format json", stderr);
        Assert.False(File.Exists(Path.Combine(report.Root, "x.html")));
    }

    [Fact]
    public void UnknownRankingMetricNamesTheAvailableOnes()
    {
        var (code, _, stderr) = CliHarness.Run("report", report.Json[0], "--html", Path.Combine(report.Root, "y.html"), "--no-heatmaps", "--metric", "lpips");
        Assert.NotEqual(0, code);
        Assert.Contains("dsd, psnr-y", stderr);
    }

    [Fact]
    public void ScoreWritesTheReportWhenOutEndsInHtml()
    {
        var html = Path.Combine(report.Root, "score.html");
        var (code, stdout, stderr) = CliHarness.Run("score", "--ref", Path.Combine(report.Root, "HR"), "--dist", Path.Combine(report.Root, "noise"),
            "--dist-suffix", "_noise", "--out", html, "--vgg-weights", CliHarness.GoldenWeights);
        Assert.True(code == 0, stderr);
        Assert.Equal("", stdout); // --out takes the results, whatever their format; stdout stays empty
        var text = File.ReadAllText(html);
        Assert.Contains("cherry_noise.png", text);
        Assert.StartsWith("<!DOCTYPE html>", text);
        Assert.Equal(3, Regex.Matches(text, "<td class=\"num\" data-value=").Count); // three pairs, one metric (dsd)
        // Three pairs and three shown by default: all are "worst", none left to be "best"; each has its heatmap (dsd loaded VGG).
        Assert.Equal(3, Regex.Matches(text, "<img class=\"heatmap\"").Count);
    }
}
