using System.Globalization;
using System.Text.RegularExpressions;
using Dsd.Tests.Cli;
using Dsd.Tests.Pictures;
using Xunit;

namespace Dsd.Tests.Report;

/// <summary>The report as a real browser shows it: the DOM after its script ran, and the pixels of a screenshot.</summary>
[Collection(CliHarness.Name)]
public class ReportInBrowserTests(ReportFixture report) : IClassFixture<ReportFixture>
{
    const int Width = 1280;

    string Url(string fragment = "") => new Uri(report.Html).AbsoluteUri + fragment;

    static List<(string Class, int X, int Y, int W, int H)> Images(string dom) =>
        Regex.Matches(dom, "<img class=\"([^\"]+)\"[^>]*?data-rect=\"(-?\\d+),(-?\\d+),(\\d+),(\\d+)\"").Select(m =>
            (m.Groups[1].Value, int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture),
             int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture))).ToList();

    [ChromiumFact]
    public void DomHasEveryPairAndTheScriptSortsTheTable()
    {
        Assert.True(report.Code == 0, report.Stderr);
        var dom = HeadlessChromium.DumpDom(Url("#sort=dsd:desc"), Width, 1000);
        var body = Regex.Match(dom, "<table id=\"pair-table\".*?<tbody>(.*?)</tbody>", RegexOptions.Singleline).Groups[1].Value;
        var rows = Regex.Matches(body, "<tr>.*?</tr>", RegexOptions.Singleline).Select(m => m.Value).ToList();
        Assert.Equal(6, rows.Count);
        // The dsd column (first data-value of a row) in descending order, as the #sort fragment asked the script.
        var dsd = rows.Select(r => double.Parse(Regex.Match(r, "data-value=\"([^\"]*)\"").Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(report.Scores("dsd").Values.OrderDescending(), dsd);
        Assert.Matches("<th data-key=\"dsd\" data-type=\"number\" aria-sort=\"descending\">", dom);

        // Every picture was decoded and laid out: 2 histograms, 2 comparisons, 4 pairs × (2 thumbnails + 1 heatmap).
        var images = Images(dom);
        Assert.Equal(16, images.Count);
        Assert.All(images, i => Assert.True(i.W > 100 && i.H > 50, $"{i.Class} drawn at {i.W}×{i.H}"));
    }

    [ChromiumFact]
    public void ScreenshotShowsChartsWhereTheDomPlacesThem()
    {
        var dom = HeadlessChromium.DumpDom(Url(), Width, 1000);
        var height = int.Parse(Regex.Match(dom, "data-page-height=\"(\\d+)\"").Groups[1].Value, CultureInfo.InvariantCulture);
        var shot = new PngProbe(HeadlessChromium.Screenshot(Url(), Width, height));
        Assert.Equal((Width, height), (shot.Width, shot.Height));
        var charts = Images(dom).Where(i => i.Class.StartsWith("chart", StringComparison.Ordinal) || i.Class == "heatmap").ToList();
        Assert.Equal(8, charts.Count);
        foreach (var (cls, x, y, w, h) in charts)
        {
            // Drawn, not blank: axes, bars and labels put ink on a fair share of the area, in many colours.
            var ink = shot.InkFraction(x + 2, y + 2, w - 4, h - 4);
            Assert.True(ink > 0.04, $"{cls} at {x},{y} is blank in the screenshot ({ink:P1} ink)");
            Assert.True(shot.DistinctColours(x, y, w, h) > 50, $"{cls} at {x},{y} has too few colours");
        }
        // A control: the page margin left of the content is blank, so the check above can fail.
        Assert.True(shot.InkFraction(0, 200, 8, Math.Min(400, height - 200)) < 0.01);
    }
}
