using Dsd.Imaging;
using Dsd.Quality;
using Dsd.Scoring;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Scoring;

/// <summary>Decoding ahead changes nothing in the results: same scores, same error rows, in any call pattern.</summary>
public sealed class PairScorerPrefetchTests : IDisposable
{
    readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("dsd-prefetch-");

    List<ImagePair> MakePairs()
    {
        using var scope = NewDisposeScope();
        var g = new TorchSharp.torch.Generator(11);
        var refs = Enumerable.Range(0, 2).Select(i =>
        {
            var path = Path.Combine(dir.FullName, $"ref{i}.png");
            ImageIo.SavePng(rand([1, 3, 20, 24], generator: g), path);
            return path;
        }).ToList();
        var pairs = new List<ImagePair>();
        for (var i = 0; i < 7; i++)
        {
            var path = Path.Combine(dir.FullName, $"dist{i}.png");
            if (i == 3) File.WriteAllBytes(path, [1, 2, 3]);   // unreadable: an error row, the others go on
            else ImageIo.SavePng(rand([1, 3, 20, 24], generator: g), path);
            pairs.Add(new ImagePair(path, refs[i < 4 ? 0 : 1]));
        }
        return pairs;
    }

    static List<PairResult> ScoreAll(IReadOnlyList<ImagePair> pairs, bool prefetch, IEnumerable<int> order)
    {
        using var scorer = new PairScorer([CatalogMetric.Create(MetricCatalog.Metric("psnr-y"), new MetricOptions()), CatalogMetric.Create(MetricCatalog.Metric("ssim"), new MetricOptions())], CPU);
        var list = order.ToList();
        if (prefetch) scorer.Prefetch(list.Select(i => pairs[i]));
        return list.Select(i => scorer.Score(pairs[i], i)).ToList();
    }

    [Fact]
    public void PrefetchedScoresEqualTheUnprefetchedOnes()
    {
        var pairs = MakePairs();
        var all = Enumerable.Range(0, pairs.Count).ToList();
        var plain = ScoreAll(pairs, prefetch: false, all);
        var ahead = ScoreAll(pairs, prefetch: true, all);
        Assert.Single(plain, r => r.Error is not null);
        Assert.Contains("dist3.png", plain[3].Error, StringComparison.Ordinal);
        for (var i = 0; i < plain.Count; i++)
        {
            Assert.Equal(plain[i].Error, ahead[i].Error);
            Assert.Equal(plain[i].Scores, ahead[i].Scores);
        }
        // Announced order not followed (a shard skipping pairs, a caller going its own way): still the same numbers.
        var skipped = ScoreAll(pairs, prefetch: true, [6, 0, 5, 1]);
        Assert.Equal(plain[6].Scores, skipped[0].Scores);
        Assert.Equal(plain[1].Scores, skipped[3].Scores);
    }

    public void Dispose() => dir.Delete(recursive: true);
}
