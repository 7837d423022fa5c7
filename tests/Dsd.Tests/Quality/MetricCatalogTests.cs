using System.Text.RegularExpressions;
using Dsd.Imaging;
using Dsd.Quality;
using Dsd.Tests.Cli;
using Dsd.Weights;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Quality;

/// <summary>
/// The catalogue is the one place a metric's name, kind and direction are written: its entries are consistent, every
/// metric its factory builds behaves as its entry says (needs a reference or not; scores a worse image worse in the
/// entry's direction), and the help texts and the README's table say the same.
/// </summary>
[Collection(CliHarness.Name)]
public partial class MetricCatalogTests
{
    [Fact]
    public void NamesAndConfigKeysAreUniqueAndEveryEntryIsAMetricOrALoss()
    {
        Assert.Equal(MetricCatalog.Entries.Count, MetricCatalog.Entries.Select(e => e.Name).Distinct().Count());
        Assert.Equal(MetricCatalog.Entries.Count, MetricCatalog.Entries.Select(e => e.ConfigKey).Distinct().Count());
        foreach (var e in MetricCatalog.Entries)
        {
            Assert.True(e.Metric is not null || e.Loss is not null, $"{e.Name} is neither a metric nor a loss");
            Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", e.Name);
            // A loss compares an output with its target: a no-reference entry cannot be one.
            Assert.False(e.Loss is not null && e.Kind == MetricKind.NoReference, $"{e.Name}: a no-reference loss");
        }
    }

    /// <summary>A natural image large enough for every metric (NIQE needs 192×96): the golden crop beside its mirror.</summary>
    static Tensor Clean()
    {
        var crop = ImageIo.Load(Path.Combine(TestPaths.GoldenRandom, "ref_crop.png"));
        return cat([crop, crop.flip(3)], 3);
    }

    /// <summary>The clean image with Gaussian noise of σ grey levels, rounded to 8 bits.</summary>
    static Tensor Noisy(Tensor clean, double sigma) =>
        SyntheticDistortion.Apply(clean, DistortionKind.Noise, sigma, seed: 5);

    public static TheoryData<string> MetricNames => [.. MetricCatalog.Metrics.Select(e => e.Name)];

    [Theory]
    [MemberData(nameof(MetricNames))]
    public void EveryMetricBehavesAsItsEntrySays(string name)
    {
        using var scope = NewDisposeScope();
        var entry = MetricCatalog.Metric(name);
        using var weights = VggWeights.Embedded();
        var metric = MetricCatalog.Create(entry, new MetricOptions { VggWeights = weights });
        try
        {
            var clean = Clean();
            var (mild, strong) = (Noisy(clean, 4), Noisy(clean, 40));
            double better, worse;
            if (entry.Kind == MetricKind.FullReference)
            {
                Assert.ThrowsAny<Exception>(() => metric.Score(mild, null));
                (better, worse) = (metric.Score(mild, clean), metric.Score(strong, clean));
            }
            else
            {
                (better, worse) = (metric.Score(clean, null), metric.Score(strong, null));
            }
            Assert.True(double.IsFinite(better) && double.IsFinite(worse), $"{name}: {better}, {worse}");
            Assert.True(entry.LowerIsBetter ? better < worse : better > worse,
                $"{name} ({(entry.LowerIsBetter ? "lower" : "higher")} is better): {better} for the better image, {worse} for the noisier one");
        }
        finally
        {
            (metric as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public void ScoreHelpListsEveryMetricWithItsEntrysKindAndDirection()
    {
        var (code, stdout, _) = CliHarness.Run("score", "--help");
        Assert.Equal(0, code);
        var listed = HelpLine().Matches(stdout).ToDictionary(m => m.Groups["name"].Value, m => (m.Groups["kind"].Value, m.Groups["better"].Value));
        Assert.Equal(MetricCatalog.Metrics.Select(e => e.Name).Order(), listed.Keys.Order());
        foreach (var e in MetricCatalog.Metrics)
            Assert.Equal((e.Kind == MetricKind.NoReference ? "no-reference" : "full-reference", e.LowerIsBetter ? "lower" : "higher"), listed[e.Name]);
    }

    [Fact]
    public void TrainHelpHasAWeightOptionForEveryLoss()
    {
        var (code, stdout, _) = CliHarness.Run("train", "sr", "--help");
        Assert.Equal(0, code);
        foreach (var e in MetricCatalog.Losses)
            Assert.Matches($@"(?m)^\s+--{Regex.Escape(e.Name)}\s", stdout);
    }

    [Fact]
    public void ReadmeMetricTableNamesEveryMetricWithItsDirection()
    {
        var readme = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "README.md"));
        var table = readme[readme.IndexOf("| metric | what | better |", StringComparison.Ordinal)..];
        table = table[..table.IndexOf("\n\n", StringComparison.Ordinal)];
        var documented = new Dictionary<string, string>();
        foreach (var row in table.Split('\n').Skip(2))
        {
            var cells = row.Split('|');
            foreach (Match name in Regex.Matches(cells[1], "`([^`]+)`"))
                documented[name.Groups[1].Value] = cells[^2].Trim();
        }
        Assert.Equal(MetricCatalog.Metrics.Select(e => e.Name).Order(), documented.Keys.Order());
        foreach (var e in MetricCatalog.Metrics)
            Assert.True(documented[e.Name] == (e.LowerIsBetter ? "lower" : "higher"), $"README says {documented[e.Name]} for {e.Name}");
    }

    [GeneratedRegex(@"^\s+(?<name>[a-z0-9-]+) \((?<kind>no-reference|full-reference), (?<better>lower|higher) is better\):", RegexOptions.Multiline)]
    private static partial Regex HelpLine();
}
