using Xunit;

namespace Dsd.Tests.Cli;

/// <summary>
/// One convention per output (issue 23 item 8): paths as typed in the table as in CSV and JSON; numbers printed the
/// same way by fingerprint and score; --out takes the results whatever the format, leaving stdout empty; an option for
/// a metric that --metrics leaves out is refused; fingerprint takes --alphas as score does; short options -r, -d, -o.
/// </summary>
[Collection(CliHarness.Name)]
public sealed class OutputConventionTests
{
    static readonly string Samples = Path.Combine(TestPaths.RepoRoot, "samples");
    static readonly string Chelsea = Path.Combine(Samples, "chelsea.png");
    static readonly string Blur = Path.Combine(Samples, "distorted", "blur-1.png");

    [Fact]
    public void TheTableShowsPathsAsTypedAsCsvDoes()
    {
        // Short paths, so that the table fits the 80 columns of a redirected console without wrapping.
        var dir = Directory.CreateTempSubdirectory("p").FullName;
        try
        {
            var (r, d) = (Path.Combine(dir, "r.png"), Path.Combine(dir, "d.png"));
            File.Copy(Chelsea, r);
            File.Copy(Blur, d);
            var (code, table, _) = CliHarness.Run("score", "-r", r, "-d", d, "--metrics", "psnr-y");
            Assert.Equal(0, code);
            var (_, csv, _) = CliHarness.Run("score", "--ref", r, "--dist", d, "--metrics", "psnr-y", "--format", "csv");
            Assert.Contains($"{r},{d},", csv);
            Assert.Contains($"│ {r} │ {d} │", table);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("q.txt", "┌")]
    [InlineData("q.csv", "ref,dist,psnr-y")]
    [InlineData("q.json", "\"rows\"")]
    public void OutTakesTheResultsAndStdoutStaysEmpty(string name, string expectedStart)
    {
        var dir = Directory.CreateTempSubdirectory("dsd-out-").FullName;
        try
        {
            var path = Path.Combine(dir, name);
            var (code, stdout, stderr) = CliHarness.Run("score", "--ref", Chelsea, "--dist", Blur, "--metrics", "psnr-y", "-o", path);
            Assert.Equal(0, code);
            Assert.Equal("", stdout);
            Assert.Contains($"dsd: wrote {path}", stderr);
            Assert.Contains(expectedStart, File.ReadAllText(path));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("dsd", "--alpha", "2", "--alpha applies only to noref-dsd, which --metrics dsd does not include")]
    [InlineData("psnr-y", "--alphas", "4", "--alphas applies only to dsd, which --metrics psnr-y does not include")]
    [InlineData("dsd", "--shave", "4", "--shave applies only to psnr-y, psnr-rgb, ssim, which --metrics dsd does not include")]
    [InlineData("dsd", "--num-crops", "4", "--num-crops applies only with --crop N")]
    public void AnOptionForAMetricNotChosenIsAUsageError(string metrics, string option, string value, string message)
    {
        var (code, stdout, stderr) = CliHarness.Run("score", "--ref", Chelsea, "--dist", Blur, "--metrics", metrics, option, value);
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public void FingerprintTakesAlphasAndPrintsNumbersAsScoreDoes()
    {
        var (code, table, stderr) = CliHarness.Run("fingerprint", Chelsea, "--alphas", "2", "--layers", "relu1_2");
        Assert.True(code == 0, stderr);
        Assert.DoesNotContain("E-0", table);
        var (_, json, _) = CliHarness.Run("fingerprint", Chelsea, "--alphas", "2", "--layers", "relu1_2", "--format", "json");
        var value = System.Text.Json.Nodes.JsonNode.Parse(json)!["mean_abs_dsd"]!["alpha2"]!["relu1_2"]!.GetValue<double>();
        // G6, as score's table prints its numbers.
        Assert.Contains(value.ToString("G6", System.Globalization.CultureInfo.InvariantCulture), table);
        // The old name still works, hidden, for this version.
        Assert.Equal(0, CliHarness.Run("fingerprint", Chelsea, "--alpha", "2", "--layers", "relu1_2").Code);
    }

    [Theory]
    [InlineData("visualize")]
    [InlineData("restore sr")]
    [InlineData("fingerprint")]
    public void HelpOfCommandsThatReadImagesListsWebP(string command)
    {
        var (code, stdout, _) = CliHarness.Run([.. command.Split(' '), "--help"]);
        Assert.Equal(0, code);
        Assert.Contains("WebP", stdout);
    }
}
