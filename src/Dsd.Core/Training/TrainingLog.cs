using System.Globalization;
using Dsd.Networks;
using Dsd.Serialization;

namespace Dsd.Training;

/// <summary>
/// <c>log.csv</c> of a psi training run: one row per evaluation interval. Columns (layers l in
/// <see cref="NoReferenceRegressor.Layers"/> order; RMSEs in the units of ‖DSD_α^l‖₁):
/// <c>step, epoch, lr, seconds, train_loss</c> (mean MSE over the interval's steps), <c>train_rmse_l</c> (psi in train mode
/// on the interval's batches, before each update), <c>train_const_rmse_l</c> (the constant predictor: the mean of all
/// training targets so far), <c>val_rmse_l</c>, <c>val_ema_rmse_l</c> (the weight average; empty without --ema) and
/// <c>val_const_rmse_l</c> on the fixed validation crops (empty without --val). Rewritten atomically at every row.
/// </summary>
public sealed class TrainingLog
{
    public const string FileName = "log.csv";

    readonly string path;
    readonly List<string> lines;

    TrainingLog(string path, List<string> lines)
    {
        this.path = path;
        this.lines = lines;
    }

    public static IReadOnlyList<string> Columns { get; } =
    [
        "step", "epoch", "lr", "seconds", "train_loss",
        .. Per("train_rmse"), .. Per("train_const_rmse"), .. Per("val_rmse"), .. Per("val_ema_rmse"), .. Per("val_const_rmse"),
    ];

    /// <summary>Opens the log of <paramref name="folder"/>, keeping only rows up to <paramref name="step"/> (those a resume continues from).</summary>
    public static TrainingLog Open(string folder, long step)
    {
        var path = Path.Combine(folder, FileName);
        var header = string.Join(",", Columns);
        var lines = new List<string> { header };
        if (step > 0 && File.Exists(path))
            lines.AddRange(File.ReadAllLines(path).Skip(1).Where(l =>
                long.TryParse(l.Split(',')[0], CultureInfo.InvariantCulture, out var s) && s <= step));
        return new TrainingLog(path, lines);
    }

    public void Append(long step, double epoch, double lr, double seconds, double trainLoss, double[] trainRmse, double[] trainConst,
        double[]? valRmse, double[]? valEma, double[]? valConst)
    {
        var cells = new List<string> { step.ToString(CultureInfo.InvariantCulture), F(epoch), F(lr), F(seconds), F(trainLoss) };
        cells.AddRange(trainRmse.Select(F));
        cells.AddRange(trainConst.Select(F));
        foreach (var v in new[] { valRmse, valEma, valConst })
            cells.AddRange(v?.Select(F) ?? Enumerable.Repeat("", NoReferenceRegressor.Layers.Count));
        lines.Add(string.Join(",", cells));
        AtomicFile.WriteAllText(path, string.Join("\n", lines) + "\n");
    }

    static IEnumerable<string> Per(string prefix) => NoReferenceRegressor.Layers.Select(l => $"{prefix}_{l}");

    static string F(double v) => v.ToString("G7", CultureInfo.InvariantCulture);
}
