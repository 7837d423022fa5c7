using Dsd.Quality;
using Dsd.Scoring;
using Xunit;

namespace Dsd.Tests.Scoring;

/// <summary>The shard partition: a fixed hash of the distorted file name, independent of order, folder and machine.</summary>
public class PairShardTests
{
    static List<ImagePair> Pairs(string folder, int count) =>
        Enumerable.Range(0, count).Select(i => new ImagePair(Path.Combine(folder, $"img_{i:D3}.png"), Path.Combine("/ref", $"img_{i:D3}.png"))).ToList();

    [Fact]
    public void EveryPairIsInExactlyOneShardAndTheShardsAreBalanced()
    {
        var pairs = Pairs("/data/dist", 400);
        var sizes = Enumerable.Range(0, 8).Select(k => new PairShard(k, 8).Select(pairs)).ToList();
        Assert.Equal(Enumerable.Range(0, 400), sizes.SelectMany(s => s).Order());
        // 50 per shard on average; a hash this uneven would be broken (binomial sd ≈ 6.6).
        Assert.All(sizes, s => Assert.InRange(s.Count, 25, 75));
    }

    [Fact]
    public void ThePartitionDependsOnlyOnTheFileName()
    {
        var here = Pairs("/data/dist", 50);
        var elsewhere = Pairs("/mnt/cluster/run42/dist", 50);
        var shuffled = here.OrderBy(p => p.Distorted.GetHashCode(StringComparison.Ordinal)).ToList();
        foreach (var (a, b) in here.Zip(elsewhere)) Assert.Equal(PairShard.Of(a, 7), PairShard.Of(b, 7));
        foreach (var p in shuffled) Assert.Equal(PairShard.Of(p, 7), PairShard.Of(here.Single(q => q.Distorted == p.Distorted), 7));
    }

    [Fact]
    public void TheHashIsFnv1a64()
    {
        // FNV-1a 64 test vectors: "" → cbf29ce484222325, "a" → af63dc4c8601ec8c, "foobar" → 85944171f73967e8.
        Assert.Equal((int)(0xcbf29ce484222325UL % 1000), PairShard.Of(new ImagePair("/x/", null), 1000));
        Assert.Equal((int)(0xaf63dc4c8601ec8cUL % 1000), PairShard.Of(new ImagePair("/x/a", null), 1000));
        Assert.Equal((int)(0x85944171f73967e8UL % 997), PairShard.Of(new ImagePair("foobar", null), 997));
    }

    [Theory]
    [InlineData("3/8", 3, 8)]
    [InlineData("0/1", 0, 1)]
    public void ParsesKOverN(string text, int k, int n) => Assert.Equal(new PairShard(k, n), PairShard.Parse(text));

    [Theory]
    [InlineData("8/8")]
    [InlineData("1/0")]
    [InlineData("-1/4")]
    [InlineData("2")]
    [InlineData("a/b")]
    public void RejectsWhatIsNotKOverN(string text) =>
        Assert.Equal(DsdErrorKind.InvalidInput, Assert.Throws<DsdException>(() => PairShard.Parse(text)).Kind);
}
