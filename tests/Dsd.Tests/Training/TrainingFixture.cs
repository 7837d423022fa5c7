using Dsd.Features;
using Dsd.Imaging;
using Dsd.Networks;
using static TorchSharp.torch;
using Dsd.Regressor;

namespace Dsd.Tests.Training;

/// <summary>Tiny training data: a few small smooth random PNGs in a temp folder, and the golden (random) VGG.</summary>
internal sealed class TrainingFixture : IDisposable
{
    public TrainingFixture(int images = 3, int side = 48, int validationImages = 2)
    {
        Root = Path.Combine(Path.GetTempPath(), "dsd-train-" + Guid.NewGuid().ToString("N"));
        Data = Path.Combine(Root, "data");
        Validation = Path.Combine(Root, "val");
        Out = Path.Combine(Root, "out");
        var generator = new TorchSharp.torch.Generator(1234);
        Write(Data, images, side, generator);
        Write(Validation, validationImages, side, generator);
        Vgg = new Vgg19Features(NoReferenceRegressor.Layers, GoldenSet.Random.Vgg);
    }

    public string Root { get; }
    public string Data { get; }
    public string Validation { get; }
    public string Out { get; }
    public Vgg19Features Vgg { get; }

    /// <summary>α = 4, 8×8 psi inputs from 32×32 crops, batch 4: seconds per run on the CPU.</summary>
    public RegressorTrainingConfig Config(long steps) => new()
    {
        Train = [Data],
        Val = [Validation],
        Alpha = 4,
        Crop = 8,
        BatchSize = 4,
        Steps = steps,
        LrStep = 3,
        Seed = 7,
        Ema = 0.9,
        ValCrops = 2,
        ValEvery = 2,
        SaveEvery = 2,
    };

    static void Write(string folder, int count, int side, TorchSharp.torch.Generator generator)
    {
        Directory.CreateDirectory(folder);
        for (var i = 0; i < count; i++)
        {
            using var scope = NewDisposeScope();
            // Smooth content plus texture, so that the DSD targets differ between crops.
            var coarse = rand(1, 3, side / 8, side / 8, generator: generator);
            var image = nn.functional.interpolate(coarse, [side, side], mode: InterpolationMode.Bilinear, align_corners: false)
                .mul(0.8).add(rand(1, 3, side, side, generator: generator).mul(0.2));
            ImageIo.SavePng(image, Path.Combine(folder, $"img{i}.png"));
        }
    }

    public void Dispose()
    {
        Vgg.Dispose();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
