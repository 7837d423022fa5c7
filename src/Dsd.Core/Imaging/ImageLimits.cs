namespace Dsd.Imaging;

/// <summary>
/// The largest image the loaders accept, checked against the header before a single pixel is allocated: a 1.5 MB PNG
/// can declare 23170² pixels (2 GB as RGBA bytes, 6 GB as float32), enough to take a machine down.
/// </summary>
public static class ImageLimits
{
    /// <summary>100 megapixels: a 10000×10000 image (0.4 GB of RGBA bytes, 1.2 GB as a float32 tensor).</summary>
    public const long DefaultMaxPixels = 100_000_000;

    /// <summary>The most the decoder can hold: RGBA bytes in one .NET array.</summary>
    public const long SupportedMaxPixels = 536_870_911; // Array.MaxLength / 4

    static long maxPixels = DefaultMaxPixels;

    /// <summary>The process-wide limit <see cref="ImageIo"/> applies when a call gives none (the CLI's <c>--max-pixels</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive, or above <see cref="SupportedMaxPixels"/>.</exception>
    public static long MaxPixels
    {
        get => Interlocked.Read(ref maxPixels);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, SupportedMaxPixels);
            Interlocked.Exchange(ref maxPixels, value);
        }
    }

    /// <summary>"100 MP", "2.5 MP": how help texts and error messages state a pixel count.</summary>
    public static string Describe(long pixels) =>
        (pixels / 1e6).ToString(pixels % 1_000_000 == 0 ? "0" : "0.###", System.Globalization.CultureInfo.InvariantCulture) + " MP";
}
