using Dsd.Cli.Report;
using Xunit;

namespace Dsd.Tests.Report;

/// <summary>
/// The report's per-reference chart with several pairs per reference (issue 23 item 5: it had plotted the first pair's
/// value): the bars are the means of each reference's pairs, and the page says so.
/// </summary>
public class ReferenceMeansTests
{
    /// <summary>One result file: reference "a" with three distortions, "b" with two plus an identical copy and a failed pair.</summary>
    static ScoreResults File(string label, double shift) => ScoreResults.Parse($$"""
        {
          "rows": [
            { "ref": "/hr/a.png", "dist": "/d/a1.png", "dsd": {{0.001 + shift}}, "psnr-y": 30 },
            { "ref": "/hr/a.png", "dist": "/d/a2.png", "dsd": {{0.002 + shift}}, "psnr-y": 25 },
            { "ref": "/hr/a.png", "dist": "/d/a3.png", "dsd": {{0.006 + shift}}, "psnr-y": 20 },
            { "ref": "/hr/b.png", "dist": "/d/b1.png", "dsd": {{0.004 + shift}}, "psnr-y": 28 },
            { "ref": "/hr/b.png", "dist": "/d/b2.png", "dsd": {{0.010 + shift}}, "psnr-y": 22 },
            { "ref": "/hr/b.png", "dist": "/d/b3.png", "dsd": 0, "psnr-y": "inf" },
            { "ref": "/hr/b.png", "dist": "/d/b4.png", "dsd": null, "psnr-y": null, "error": "/d/b4.png: size differs" },
            { "ref": "/hr/c.png", "dist": "/d/c1.png", "dsd": 0.5, "psnr-y": 10 }
          ],
          "metrics": { "dsd": { "lower_is_better": true }, "psnr-y": { "lower_is_better": false } }
        }
        """, label, label + ".json", null);

    [Fact]
    public void BarsAreTheMeanOfEachReferencesPairs()
    {
        // The second file has no "c", so only a and b are compared.
        var second = File("second", 0.001);
        second = second with { Rows = second.Rows.Where(r => !r.Reference!.EndsWith("c.png", StringComparison.Ordinal)).ToList() };
        var means = ReferenceMeans.Of([File("first", 0), second], "dsd");
        Assert.Equal([Path.GetFullPath("/hr/a.png"), Path.GetFullPath("/hr/b.png")], means.References);
        // a: (0.001 + 0.002 + 0.006) / 3 = 0.003; b: (0.004 + 0.010 + 0) / 3 — the failed pair is not scored.
        Assert.Equal(0.003, means.Means[0][0], 12);
        Assert.Equal(0.014 / 3, means.Means[0][1], 12);
        Assert.Equal(0.004, means.Means[1][0], 12);
        Assert.Equal(0.016 / 3, means.Means[1][1], 12);   // 0.005 + 0.011 + 0
        Assert.Equal([[3, 3], [3, 3]], means.Counts);
        Assert.Equal(3, means.MaxPairs);
    }

    [Fact]
    public void InfinitiesAreLeftOutOfTheMean()
    {
        var means = ReferenceMeans.Of([File("first", 0), File("second", 0)], "psnr-y");
        Assert.Equal(25, means.Means[0][0], 12);   // (30 + 25 + 20) / 3
        Assert.Equal(25, means.Means[0][1], 12);   // (28 + 22) / 2, the inf of the identical copy left out
        Assert.Equal(10, means.Means[1][2], 12);
    }

    [Fact]
    public void CaptionAndChartSayTheBarsAreMeans()
    {
        var html = HtmlReport.Render([File("first", 0), File("second", 0.001)], null, new HtmlReportOptions(PairsShown: 1));
        Assert.Contains("3 reference images scored in all 2 files. Each bar is the <b>mean</b> over that reference's pairs in that file (up to 3 pairs per reference)", html);
        Assert.Contains("alt=\"mean dsd per reference image and result file\"", html);
        Assert.Contains("alt=\"mean psnr-y per reference image and result file\"", html);
    }
}
