using Dsd.Dissimilarity;
using Dsd.Experiments;
using Dsd.Imaging;
using Dsd.Quality;
using Dsd.Restoration;
using Dsd.Tests.Training;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Experiments;

/// <summary>
/// The loss comparison's table takes its columns from the catalogue and scores with the catalogue's metrics: its
/// numbers are bit for bit those of the direct computations it used before (PSNR-Y and SSIM-Y with shave 4, D_DSD).
/// </summary>
public class LossComparisonReportTests
{
    [Fact]
    public void ColumnsAreCatalogueEntries()
    {
        Assert.Equal(["psnr_y", "ssim", "dsd", "noref_dsd"], LossComparisonReport.Metrics.Select(e => e.ConfigKey));
        Assert.Equal([false, false, true, true], LossComparisonReport.Metrics.Select(e => e.LowerIsBetter));
    }

    [Fact]
    public void ScoresEqualTheDirectComputationsBitForBit()
    {
        using var f = new TrainingFixture(images: 1, side: 48, validationImages: 2);
        var vgg = new Dsd.Features.Vgg19Features(LossComparisonReport.Layers, GoldenSet.Random.Vgg);
        var (table, crops) = new LossComparisonReport(vgg, null, CPU).Evaluate([], f.Validation);
        crops.Dispose();

        var pairs = TrainingPairs.Find(f.Validation, RestorationTask.SuperResolution);
        double psnr = 0, ssim = 0, dsd = 0;
        using (var mode = inference_mode())
            foreach (var pair in pairs)
            {
                using var scope = NewDisposeScope();
                var (target, input) = PatchDataset.LoadPair(pair, RestorationTask.SuperResolution);
                var bicubic = Imresize.Resize(input, (int)target.shape[2], (int)target.shape[3]).clamp(0, 1);
                psnr += Psnr.Compute(bicubic, target, shave: 4).item<double>();
                ssim += Ssim.Compute(bicubic, target, "y", shave: 4).item<double>();
                dsd += DsdDistance.Between(vgg, bicubic, target, DsdOptions.ImageQuality).item<float>();
            }
        var row = table.Single(r => r.Method == "bicubic");
        Assert.Equal((psnr / pairs.Count, ssim / pairs.Count, dsd / pairs.Count), (row.PsnrY, row.Ssim, row.Dsd));
        var truth = table.Single(r => r.Method == "ground truth");
        Assert.Equal((double.PositiveInfinity, 1.0, 0.0), (truth.PsnrY, truth.Ssim, truth.Dsd));
    }
}
