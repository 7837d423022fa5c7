using Dsd.Dissimilarity;
using Dsd.NoReference;
using Dsd.Weights;
using static TorchSharp.torch;

namespace Dsd.Quality;

/// <summary>
/// The settings of every metric and loss in <see cref="MetricCatalog"/>, with their defaults (docs/method.md §2, §3,
/// §7). Each catalogue entry reads the fields it needs and reports them (<see cref="MetricEntry.Settings"/>).
/// </summary>
public sealed record MetricOptions
{
    /// <summary>Resolved VGG19 weights for the VGG-based metrics (see <see cref="VggWeightStore.Resolve"/>).</summary>
    public VggWeights? VggWeights { get; init; }

    public Device Device { get; init; } = CPU;

    /// <summary>Layers and α of the <c>dsd</c> metric or loss (image-quality default).</summary>
    public DsdOptions Dsd { get; init; } = DsdOptions.ImageQuality;

    /// <summary>Layer of the <c>perceptual</c> metric or loss; null: conv5_4 when the weights cover it, else relu2_2.</summary>
    public string? PerceptualLayer { get; init; }

    /// <summary>Pixels cut from every border before PSNR and SSIM (4 is the ×4 super-resolution convention).</summary>
    public int Shave { get; init; }

    /// <summary>SSIM channels: <c>y</c> (default, BT.601 luma), <c>rgb</c> (the reference evaluator's) or <c>gray</c> (MATLAB rgb2gray).</summary>
    public string SsimChannels { get; init; } = "y";

    /// <summary>psi weights for <c>noref-dsd</c> (safetensors or PyTorch state dict); null: the shipped psi for <see cref="NoReferenceAlpha"/>.</summary>
    public string? RegressorPath { get; init; }

    /// <summary>The α psi was trained for (4, the reference evaluator's, or 2).</summary>
    public double NoReferenceAlpha { get; init; } = 4;

    /// <summary>Folder of the shipped psi weights (null: <see cref="ShippedRegressors.Folder"/>).</summary>
    public string? ModelsFolder { get; init; }

    /// <summary>Tile side <c>noref-dsd</c> averages over; null: psi's training crop 80·α; 0: the whole image.</summary>
    public int? NoReferenceTile { get; init; }

    /// <summary>How <c>noref-dsd</c> forms its score; null: <see cref="NoReferenceDsd.DefaultForm"/> for the psi in use.</summary>
    public NoReferenceForm? NoReferenceForm { get; init; }
}
