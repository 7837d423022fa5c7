using ScottPlot;

namespace Dsd.Cli.Pictures;

/// <summary>One set of series colours for every chart, so "α = 2" or "relu2_1" looks the same in each picture.</summary>
internal static class PlotPalette
{
    // Colour-blind-safe (Okabe–Ito), distinct in print.
    static readonly Color[] Colours =
    [
        Color.FromHex("#0072B2"), Color.FromHex("#E69F00"), Color.FromHex("#009E73"), Color.FromHex("#CC79A7"),
        Color.FromHex("#56B4E9"), Color.FromHex("#D55E00"), Color.FromHex("#F0E442"), Color.FromHex("#000000"),
    ];

    public static Color Series(int index) => Colours[index % Colours.Length];
}
