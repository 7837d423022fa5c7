namespace Dsd.Quality;

/// <summary>A metric built from its catalogue entry: the entry says what it is called and which way is better.</summary>
public sealed record CatalogMetric(MetricEntry Entry, IQualityMetric Metric)
{
    /// <summary>Builds the metric of <paramref name="entry"/> (<see cref="MetricCatalog.Create(MetricEntry, MetricOptions)"/>).</summary>
    public static CatalogMetric Create(MetricEntry entry, MetricOptions options) => new(entry, MetricCatalog.Create(entry, options));
}
