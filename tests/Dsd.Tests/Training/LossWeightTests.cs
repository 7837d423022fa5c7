using Dsd.Quality;
using Dsd.Restoration;
using Xunit;

namespace Dsd.Tests.Training;

/// <summary>
/// Loss weights are one map keyed by catalogue names: every catalogue loss has a weight without a field of its own,
/// old configs with one field per loss read as before, and a name the catalogue does not have is refused.
/// </summary>
public sealed class LossWeightTests
{
    [Fact]
    public void EveryCatalogueLossTakesAWeightWithoutAFieldOfItsOwn()
    {
        foreach (var entry in MetricCatalog.Losses)
        {
            var config = new RestorationTrainingConfig().WithLossWeight(entry.Name, 2.5);
            Assert.Equal(2.5, config.LossWeights().Single(l => l.Loss.Name == entry.Name).Weight);
            Assert.Equal(entry.Name == "l1" ? 1 : 2, config.ActiveLosses().Count);
        }
    }

    [Theory]
    // Before the map: one top-level field per loss, and L1 at 1 unless the file said otherwise.
    [InlineData("""{ "train": "t", "out": "o", "dsd": 100 }""", 1, 100, 0)]
    [InlineData("""{ "train": "t", "out": "o", "l1": 0, "multi_scale_style": 2 }""", 0, 0, 2)]
    [InlineData("""{ "train": "t", "out": "o", "losses": { "l1": 0.5, "multi-scale-style": 3 } }""", 0.5, 0, 3)]
    [InlineData("""{ "train": "t", "out": "o" }""", 1, 0, 0)]
    public void OldPerLossFieldsReadIntoTheMap(string json, double l1, double dsd, double multiScaleStyle)
    {
        var config = RestorationTrainingConfig.FromJson(json, "c.json");
        config.Validate();
        var weights = config.LossWeights().ToDictionary(l => l.Loss.Name, l => l.Weight);
        Assert.Equal(l1, weights["l1"]);
        Assert.Equal(dsd, weights["dsd"]);
        Assert.Equal(multiScaleStyle, weights["multi-scale-style"]);
        // Written back, the config has the map only, and reads back the same.
        var again = RestorationTrainingConfig.FromJson(config.ToJson(), "again.json");
        Assert.Equal(weights, again.LossWeights().ToDictionary(l => l.Loss.Name, l => l.Weight));
        Assert.DoesNotContain("\"multi_scale_style\"", config.ToJson());
    }

    [Fact]
    public void AnUnknownLossIsRefusedWithTheNearestName()
    {
        var config = RestorationTrainingConfig.FromJson("""{ "train": "t", "out": "o", "losses": { "dsdd": 1 } }""", "c.json");
        var e = Assert.Throws<DsdException>(config.Validate);
        Assert.Contains("unknown loss 'dsdd'", e.Message);
        Assert.Contains("dsd", e.Message[(e.Message.IndexOf("'dsdd'", StringComparison.Ordinal) + 6)..]);
        var both = Assert.Throws<DsdException>(() => RestorationTrainingConfig.FromJson("""{ "train": "t", "out": "o", "dsd": 1, "losses": { "l1": 1 } }""", "c.json"));
        Assert.Contains("c.json", both.Message);
    }
}
