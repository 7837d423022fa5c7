using SkiaSharp;

namespace Dsd.Cli.Pictures;

/// <summary>
/// The typefaces labels are drawn with. The SkiaSharp native build the project uses (NoDependencies) has no
/// fontconfig, so no font can be found by family name: text needs a font file. <c>DSD_FONT</c> names one; otherwise
/// the common system fonts are tried (Debian's fonts-dejavu-core, fonts-liberation). Without any, pictures are still
/// written, without text, and a warning says how to fix it.
/// </summary>
internal static class PictureFonts
{
    public const string Variable = "DSD_FONT";

    /// <summary>The family name ScottPlot plots are given.</summary>
    public const string Family = "dsd-labels";

    static readonly (string Regular, string Bold)[] Candidates =
    [
        ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
        ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
        ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
        ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ];

    static readonly Lazy<(SKTypeface Regular, SKTypeface Bold, string? RegularPath, string? BoldPath)> fonts = new(Find);
    static readonly Lazy<bool> scottPlot = new(RegisterWithScottPlot);

    public static SKTypeface Regular => fonts.Value.Regular;

    public static SKTypeface Bold => fonts.Value.Bold;

    /// <summary>True when a font file was found (labels will show).</summary>
    public static bool Available => fonts.Value.RegularPath is not null;

    /// <summary>Makes <see cref="Family"/> ScottPlot's default font (once per process).</summary>
    public static void UseForScottPlot() => _ = scottPlot.Value;

    static (SKTypeface, SKTypeface, string?, string?) Find()
    {
        var chosen = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } custom
            ? (custom, custom)
            : Candidates.FirstOrDefault(c => File.Exists(c.Regular));
        if (chosen.Item1 is null || !File.Exists(chosen.Item1))
        {
            CliRunner.Warn($"no font file found for picture labels; pictures are drawn without text (set {Variable}=/path/to/font.ttf, "
                + "or install fonts-dejavu-core)");
            return (SKTypeface.Default, SKTypeface.Default, null, null);
        }
        var regular = SKTypeface.FromFile(chosen.Item1) ?? SKTypeface.Default;
        var boldPath = File.Exists(chosen.Item2) ? chosen.Item2 : chosen.Item1;
        var bold = SKTypeface.FromFile(boldPath) ?? regular;
        return (regular, bold, chosen.Item1, boldPath);
    }

    static bool RegisterWithScottPlot()
    {
        var (_, _, regular, bold) = fonts.Value;
        if (regular is null) return false;
        ScottPlot.Fonts.AddFontFile(Family, regular, bold: false, italic: false);
        ScottPlot.Fonts.AddFontFile(Family, bold!, bold: true, italic: false);
        ScottPlot.Fonts.Default = Family;
        return true;
    }
}
