using Dsd.Dissimilarity;
using Dsd.Networks;
using Dsd.Training;
using Xunit;
using static TorchSharp.torch;
using Dsd.Regressor;

namespace Dsd.Tests.Training;

/// <summary>psi's training examples: inputs, targets and augmentation belong to one and the same full-resolution crop.</summary>
public class RegressorSamplesTests
{
    [Fact]
    public void TargetsAreTheMeanAbsoluteDsdOfTheFullResolutionCrop()
    {
        using var f = new TrainingFixture();
        using var images = TrainingImages.Load([f.Data], 32);
        var crops = stack(Enumerable.Range(0, 3).Select(k =>
        {
            var random = SplitMix64.For(5, SplitMix64.Purpose.TrainCrop, k);
            return RegressorSamples.Crop(images[k % images.Count], 32, ref random);
        }).ToArray(), 0);

        var (inputs, targets) = RegressorSamples.InputsAndTargets(f.Vgg, crops, 4, chunk: 2);

        using var print = Fingerprint.Compute(f.Vgg, crops, new DsdOptions(NoReferenceRegressor.Layers, [4]));
        var expected = stack(NoReferenceRegressor.Layers.Select(l => print.MeanAbs(4, l)).ToArray(), 1);
        // Same operations on the same pixels; chunking only changes the batch size VGG sees.
        Close.Tensor(expected, targets, rtol: 1e-5, atol: 1e-9, what: "targets");
        Close.Tensor(Downscaling.Apply(crops, 4), inputs, rtol: 1e-6, atol: 1e-7, what: "psi inputs");
        Assert.Equal([3L, 3, 8, 8], inputs.shape);
    }

    [Fact]
    public void ACropIsAWindowOfTheImageWithDequantisationNoise()
    {
        using var f = new TrainingFixture();
        using var images = TrainingImages.Load([f.Data], 32);
        var image = images[0];
        var flips = 0;
        for (var k = 0; k < 16; k++)
        {
            var random = SplitMix64.For(3, SplitMix64.Purpose.TrainCrop, k);
            var crop = RegressorSamples.Crop(image, 20, ref random);
            // (v + u)/256 with u in [0,1): floor(256·x) recovers the byte v, and the remainder is the noise.
            var bytes = crop.mul(256).floor();
            var noise = crop.mul(256) - bytes;
            Assert.True(noise.min().item<float>() >= 0 && noise.max().item<float>() < 1);
            Assert.True(noise.std().item<float>() > 0.2, "noise should be uniform on [0,1)");
            var found = Windows(image, 20).FirstOrDefault(w => Same(w, bytes.to_type(ScalarType.Byte)) || Same(w.flip(2), bytes.to_type(ScalarType.Byte)));
            Assert.NotNull(found);
            if (!Same(found, bytes.to_type(ScalarType.Byte))) flips++;
        }
        Assert.InRange(flips, 1, 15);
    }

    [Fact]
    public void BankEntryJIsTheCropOfItsOwnRandomStream()
    {
        using var f = new TrainingFixture();
        using var images = TrainingImages.Load([f.Data], 32);
        using var bank = CropBank.Build(images, f.Vgg, 4, 8, 5, seed: 11, SplitMix64.Purpose.BankCrop);
        var random = SplitMix64.For(11, SplitMix64.Purpose.BankCrop, 4);
        var crop = RegressorSamples.Crop(images[4 % images.Count], 32, ref random).unsqueeze(0);
        var (input, target) = RegressorSamples.InputsAndTargets(f.Vgg, crop, 4);
        Assert.True(Same(bank.Inputs[4], input[0]));
        Close.Tensor(target[0], bank.Targets[4], rtol: 1e-5, atol: 1e-9, what: "bank targets");
    }

    static IEnumerable<Tensor> Windows(Tensor image, int side)
    {
        for (var y = 0; y + side <= image.shape[1]; y++)
            for (var x = 0; x + side <= image.shape[2]; x++)
                yield return image.narrow(1, y, side).narrow(2, x, side);
    }

    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
