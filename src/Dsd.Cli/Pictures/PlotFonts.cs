using ScottPlot;
using SkiaSharp;

namespace Dsd.Cli.Pictures;

/// <summary>
/// Makes ScottPlot draw text with the embedded Liberation Sans: the dependency-free SkiaSharp native build we ship
/// has no fontconfig, so without this every label, title and tick would be invisible.
/// </summary>
internal static class PlotFonts
{
    public const string Family = "Liberation Sans";

    static readonly Lazy<SKTypeface> typeface = new(() =>
    {
        using var stream = typeof(PlotFonts).Assembly.GetManifestResourceStream("Dsd.Cli.LiberationSans-Regular.ttf")
            ?? throw new InvalidOperationException("the embedded plot font is missing from the dsd assembly");
        return SKTypeface.FromStream(stream) ?? throw new InvalidOperationException("the embedded plot font could not be read");
    });

    static readonly Lazy<bool> registered = new(() =>
    {
        Fonts.FontResolvers.Insert(0, new EmbeddedResolver());
        Fonts.Default = Fonts.Sans = Family;
        return true;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Call before building a plot; idempotent and thread-safe.</summary>
    public static void Register() => _ = registered.Value;

    /// <summary>The typeface itself, for text drawn directly with SkiaSharp (grids, colour bars).</summary>
    public static SKTypeface Typeface => typeface.Value;

    sealed class EmbeddedResolver : IFontResolver
    {
        // Every family resolves to the one embedded face: a missing family must never mean missing text.
        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) => typeface.Value;

        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing width) => typeface.Value;
    }
}
