using Dsd.Experiments;
using ScottPlot;

namespace Dsd.Cli.Pictures;

/// <summary>
/// ‖DSD_α‖₁ (left axis) and the distance to the start image (right axis, RMSE) per step of a DSD minimisation, with
/// the saved steps marked. Drawn by ScottPlot (which renders with SkiaSharp).
/// </summary>
internal static class MinimizationPlot
{
    public static readonly Color NormColour = Color.FromHex("#1f77b4");
    public static readonly Color DistanceColour = Color.FromHex("#d62728");

    public static void Save(string path, IReadOnlyList<MinimizationStep> steps, IReadOnlyList<int> saved, double alpha, string imageName, int width = 900, int height = 480)
    {
        PlotFonts.Register();
        var plot = new Plot();
        var xs = steps.Select(s => (double)s.Step).ToArray();
        var norm = plot.Add.ScatterLine(xs, steps.Select(s => s.DsdNorm).ToArray(), NormColour);
        norm.LineWidth = 2;
        norm.LegendText = $"‖DSD_{alpha:G3}(x)‖₁ (left)";
        var distance = plot.Add.ScatterLine(xs, steps.Select(s => s.RmseToStart).ToArray(), DistanceColour);
        distance.LineWidth = 2;
        distance.LinePattern = LinePattern.Dashed;
        distance.Axes.YAxis = plot.Axes.Right;
        distance.LegendText = "RMSE to the start image (right)";
        foreach (var step in saved.Where(s => s <= steps[^1].Step))
        {
            var line = plot.Add.VerticalLine(step, 1, Colors.Gray, LinePattern.Dotted);
            line.Text = $"step {step}";
            line.LabelOppositeAxis = false;
        }
        plot.Title($"DSD minimisation of {imageName}, α = {alpha:G3}");
        plot.XLabel("step");
        plot.Axes.Left.Label.Text = "‖DSD‖₁ (sum over layers of mean |entry|)";
        plot.Axes.Left.Label.ForeColor = NormColour;
        plot.Axes.Right.Label.Text = "RMSE to start ([0,1] units)";
        plot.Axes.Right.Label.ForeColor = DistanceColour;
        plot.ShowLegend(Alignment.UpperCenter);
        var png = plot.GetImageBytes(width, height, ImageFormat.Png);
        try { Dsd.Serialization.AtomicFile.Write(path, s => s.Write(png)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DsdException(DsdErrorKind.Io, $"{path}: cannot write: {e.Message}", e);
        }
    }
}
