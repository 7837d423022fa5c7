using System.Globalization;

namespace Dsd;

/// <summary>
/// The most memory one computation may use for its activations and work tensors, in bytes. Computations whose
/// whole-image cost exceeds it run tile by tile (Gram-based metrics, the fingerprint) or are refused up front with
/// the memory they would need (all-pairs metrics such as contextual), rather than being killed by the kernel.
/// </summary>
public sealed record MemoryBudget(long Bytes)
{
    /// <summary>The share of the machine's memory the default budget takes: a quarter leaves room for other work.</summary>
    public const double DefaultFraction = 0.25;

    /// <summary>
    /// The budget used when none is given: <see cref="DefaultFraction"/> of the memory available to this process
    /// (the container's limit when there is one, as the GC sees it). The CLI sets it from <c>--max-memory</c>.
    /// </summary>
    public static MemoryBudget Default { get; set; } = OfMachine(DefaultFraction);

    /// <summary>A fraction of the memory available to this process.</summary>
    public static MemoryBudget OfMachine(double fraction) =>
        new((long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * fraction));

    /// <summary>Parses <c>8G</c>, <c>512M</c>, <c>1.5GB</c>, <c>25%</c> (of the machine) or a byte count.</summary>
    public static MemoryBudget Parse(string text, string what = "--max-memory")
    {
        var t = text.Trim().ToUpperInvariant();
        if (t.EndsWith('%') && double.TryParse(t[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var percent) && percent is > 0 and <= 100)
            return OfMachine(percent / 100);
        if (t.EndsWith('B')) t = t[..^1];
        var (number, unit) = t.Length > 0 && char.IsLetter(t[^1]) ? (t[..^1], t[^1]) : (t, ' ');
        var scale = unit switch { ' ' => 1L, 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, 'T' => 1L << 40, _ => 0 };
        if (scale == 0 || !double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value > 0))
            throw new DsdException(DsdErrorKind.Usage, $"{what}: '{text}' is not a memory size (e.g. 8G, 512M, 25%)");
        return new MemoryBudget((long)(value * scale));
    }

    /// <summary>Bytes as a short human-readable size (binary units), e.g. "23.7 GiB".</summary>
    public static string Format(double bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (1L << 30)).ToString("0.0", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 => (bytes / (1L << 20)).ToString("0", CultureInfo.InvariantCulture) + " MiB",
        _ => (bytes / 1024).ToString("0", CultureInfo.InvariantCulture) + " KiB",
    };

    public override string ToString() => Format(Bytes);
}
