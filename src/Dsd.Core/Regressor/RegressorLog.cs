using System.Globalization;
using Dsd.Networks;
using Dsd.Serialization;
using Dsd.Training;

namespace Dsd.Regressor;

/// <summary>
/// <c>log.csv</c> of a psi training run: one row per evaluation interval. Columns (layers l in
/// <see cref="NoReferenceRegressor.Layers"/> order; RMSEs in the units of ‖DSD_α^l‖₁):
/// <c>step, epoch, lr, seconds, train_loss</c> (mean MSE over the interval's steps), <c>train_rmse_l</c> (psi in train mode
/// on the interval's batches, before each update), <c>train_const_rmse_l</c> (the constant predictor: the mean of all
/// training targets so far), <c>val_rmse_l</c>, <c>val_ema_rmse_l</c> (the weight average; empty without --ema) and
/// <c>val_const_rmse_l</c> on the fixed validation crops (empty without --val). <see cref="TrainingRun"/> writes the rows.
/// </summary>
public static class RegressorLog
{
    public const string FileName = "log.csv";

    public static IReadOnlyList<string> Columns { get; } =
    [
        "step", "epoch", "lr", "seconds", "train_loss",
        .. Per("train_rmse"), .. Per("train_const_rmse"), .. Per("val_rmse"), .. Per("val_ema_rmse"), .. Per("val_const_rmse"),
    ];

    /// <summary>The cells of one row.</summary>
    public static List<string> Row(long step, double epoch, double lr, double seconds, double trainLoss, double[] trainRmse, double[] trainConst,
        double[]? valRmse, double[]? valEma, double[]? valConst)
    {
        var cells = new List<string> { step.ToString(CultureInfo.InvariantCulture), F(epoch), F(lr), F(seconds), F(trainLoss) };
        cells.AddRange(trainRmse.Select(F));
        cells.AddRange(trainConst.Select(F));
        foreach (var v in new[] { valRmse, valEma, valConst })
            cells.AddRange(v?.Select(F) ?? Enumerable.Repeat("", NoReferenceRegressor.Layers.Count));
        return cells;
    }

    static IEnumerable<string> Per(string prefix) => NoReferenceRegressor.Layers.Select(l => $"{prefix}_{l}");

    static string F(double v) => Csv.Number(v, "G7");
}
