using System.Text.RegularExpressions;
using Dsd.Cli.Report;
using Xunit;

namespace Dsd.Tests.Report;

/// <summary>Reading score JSON and the report's handling of infinities, missing values and failed pairs, without images.</summary>
public class ScoreResultsTests
{
    const string Json = """
        {
          "rows": [
            { "ref": "r/a.png", "dist": "d/a.png", "dsd": 0.25, "psnr-y": "inf" },
            { "ref": "r/b.png", "dist": "d/b.png", "dsd": 0.5, "psnr-y": 30.0 },
            { "ref": "r/c.png", "dist": "d/c.png", "dsd": null, "psnr-y": null, "error": "d/c.png: size 10×10 differs from reference 12×12" },
            { "ref": "r/e.png", "dist": "d/e.png", "dsd": 0.75, "psnr-y": 20.0 }
          ],
          "metrics": { "dsd": { "lower_is_better": true }, "psnr-y": { "lower_is_better": false } },
          "settings": { "device": "cpu", "shave": 4 }
        }
        """;

    [Fact]
    public void ParsesNumbersInfinitiesMissingValuesAndErrors()
    {
        var r = ScoreResults.Parse(Json, "run", "run.json", null);
        Assert.Equal([new ReportMetric("dsd", true), new ReportMetric("psnr-y", false)], r.Metrics);
        Assert.Equal(4, r.Rows.Count);
        Assert.Equal(double.PositiveInfinity, r.Rows[0].Scores["psnr-y"]);
        Assert.True(double.IsNaN(r.Rows[2].Scores["dsd"]));
        Assert.Contains("differs", r.Rows[2].Error);
        Assert.Equal([KeyValuePair.Create("device", "cpu"), KeyValuePair.Create("shave", "4")], r.Settings);
    }

    [Fact]
    public void SummarySkipsInfinitiesAndSaysHowMany()
    {
        var html = HtmlReport.Render([ScoreResults.Parse(Json, "run", "run.json", null)], null, new HtmlReportOptions(PairsShown: 1));
        // psnr-y: 30 and 20 are finite (mean 25, n 2); the inf of the identical pair is counted as skipped; the failed row is not scored.
        Assert.Matches("<tr><td>psnr-y ↑</td><td>run</td><td>25</td><td>7.0711</td><td>25</td><td>20</td><td>30</td><td>2</td><td>1</td></tr>", html);
        Assert.Matches("<tr><td>dsd ↓</td><td>run</td><td>0.5</td><td>0.25</td><td>0.5</td><td>0.25</td><td>0.75</td><td>3</td><td>0</td></tr>", html);
        Assert.Contains("data-value=\"Infinity\">inf</td>", html);
        Assert.Contains("size 10×10 differs", html);
        // Worst by dsd (lower is better) is e.png, best a.png; no heatmaps without weights, and the page says so.
        Assert.Matches("<b>worst #1</b> e.png", html);
        Assert.Matches("<b>best #1</b> a.png", html);
        Assert.Contains("Heatmaps left out", html);
        Assert.DoesNotContain("class=\"heatmap\"", html);
    }

    [Theory]
    [InlineData("[1, 2]", "not a dsd score JSON")]
    [InlineData("{\"rows\": [{\"ref\": \"a\"}], \"metrics\": {}}", "row 1 has no \"dist\" path")]
    [InlineData("{not json", "not valid JSON")]
    public void RefusesWhatIsNotScoreJsonNamingTheSource(string text, string problem)
    {
        var e = Assert.Throws<DsdException>(() => ScoreResults.Parse(text, "x", "results/x.json", null));
        Assert.Equal(DsdErrorKind.InvalidInput, e.Kind);
        Assert.StartsWith("results/x.json: ", e.Message);
        Assert.Contains(problem, e.Message);
    }
}
