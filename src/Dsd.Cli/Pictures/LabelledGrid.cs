using SkiaSharp;
using static TorchSharp.torch;

namespace Dsd.Cli.Pictures;

/// <summary>Where each cell of a <see cref="LabelledGrid"/> lands, computed before drawing (tests read it too).</summary>
internal sealed record GridLayout(int Width, int Height, SKRectI[][] Cells, int[] ColumnLefts, int[] ColumnWidths, int[] RowTops);

/// <summary>
/// Images side by side with a title over each column and, optionally, a name left of each row, on white. Every cell
/// is scaled to the same height (aspect kept); crops can be enlarged pixel for pixel so that artefacts stay visible.
/// </summary>
internal static class LabelledGrid
{
    const int Margin = 10;
    const int Gap = 8;
    const int HeaderHeight = 30;
    const int TitleHeight = 34;
    const float LabelSize = 17;
    const float TitleSize = 20;

    public static GridLayout Layout(IReadOnlyList<IReadOnlyList<(int Width, int Height)>> sizes, int cellHeight, bool rowNames, bool title)
    {
        var columns = sizes.Max(r => r.Count);
        var widths = new int[columns];
        foreach (var row in sizes)
            for (var j = 0; j < row.Count; j++)
                widths[j] = Math.Max(widths[j], Scaled(row[j], cellHeight));
        var left = Margin + (rowNames ? RowNameWidth : 0);
        var lefts = new int[columns];
        for (var j = 0; j < columns; j++)
        {
            lefts[j] = left;
            left += widths[j] + Gap;
        }
        var top = Margin + (title ? TitleHeight : 0) + HeaderHeight;
        var tops = new int[sizes.Count];
        var cells = new SKRectI[sizes.Count][];
        for (var i = 0; i < sizes.Count; i++)
        {
            tops[i] = top;
            cells[i] = sizes[i].Select((s, j) =>
            {
                var w = Scaled(s, cellHeight);
                var x = lefts[j] + (widths[j] - w) / 2;
                return new SKRectI(x, top, x + w, top + cellHeight);
            }).ToArray();
            top += cellHeight + Gap;
        }
        return new GridLayout(left - Gap + Margin, top - Gap + Margin, cells, lefts, widths, tops);
    }

    const int RowNameWidth = 150;

    static int Scaled((int Width, int Height) size, int height) => Math.Max(1, (int)Math.Round(size.Width * (double)height / size.Height));

    /// <param name="columns">Column titles.</param>
    /// <param name="rows">Row names, or null for none.</param>
    /// <param name="cells">cells[i][j]: image of row i, column j ([1,3,H,W] in [0,1]).</param>
    /// <param name="cellHeight">Height every cell is scaled to.</param>
    /// <param name="pixelated">Nearest-neighbour scaling (crops), rather than smooth (whole images).</param>
    /// <param name="title">A line over everything, or null.</param>
    public static (SKBitmap Bitmap, GridLayout Layout) Render(IReadOnlyList<string> columns, IReadOnlyList<string>? rows,
        IReadOnlyList<IReadOnlyList<Tensor>> cells, int cellHeight, bool pixelated = false, string? title = null)
    {
        var sizes = cells.Select(r => (IReadOnlyList<(int, int)>)r.Select(t => ((int)t.shape[^1], (int)t.shape[^2])).ToList()).ToList();
        var layout = Layout(sizes, cellHeight, rows is not null, title is not null);
        var bitmap = new SKBitmap(new SKImageInfo(layout.Width, layout.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var labelFont = new SKFont(PlotFonts.Typeface, LabelSize);
        using var titleFont = new SKFont(PlotFonts.Typeface, TitleSize) { Embolden = true };
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        if (title is not null)
            canvas.DrawText(title, layout.Width / 2f, Margin + TitleSize, SKTextAlign.Center, titleFont, ink);
        var headerBaseline = Margin + (title is not null ? TitleHeight : 0) + HeaderHeight - 9;
        for (var j = 0; j < columns.Count && j < layout.ColumnLefts.Length; j++)
            canvas.DrawText(Fit(columns[j], layout.ColumnWidths[j], labelFont), layout.ColumnLefts[j] + layout.ColumnWidths[j] / 2f, headerBaseline, SKTextAlign.Center, labelFont, ink);
        var sampling = pixelated ? new SKSamplingOptions(SKFilterMode.Nearest) : new SKSamplingOptions(SKCubicResampler.Mitchell);
        for (var i = 0; i < cells.Count; i++)
        {
            if (rows is not null)
                canvas.DrawText(Fit(rows[i], RowNameWidth - Gap, labelFont), Margin, layout.RowTops[i] + cellHeight / 2f + LabelSize / 3, SKTextAlign.Left, labelFont, ink);
            for (var j = 0; j < cells[i].Count; j++)
            {
                using var source = TensorBitmap.From(cells[i][j]);
                using var image = SKImage.FromBitmap(source);
                canvas.DrawImage(image, layout.Cells[i][j], sampling);
            }
        }
        canvas.Flush();
        return (bitmap, layout);
    }

    /// <summary>Shortens a label with an ellipsis until it fits <paramref name="width"/>.</summary>
    static string Fit(string text, int width, SKFont font)
    {
        if (font.MeasureText(text) <= width) return text;
        while (text.Length > 1 && font.MeasureText(text + "…") > width) text = text[..^1];
        return text + "…";
    }
}
