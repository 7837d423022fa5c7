using Dsd.Imaging;
using Dsd.Training;
using static TorchSharp.torch;

namespace Dsd.Restoration;

/// <summary>How training batches are cut from the images.</summary>
/// <param name="BatchSize">Patches per batch.</param>
/// <param name="Crop">Input patch side in pixels (the LR side for SR; the target is Crop × scale).</param>
/// <param name="Augment">Random horizontal/vertical flips and transposition (so all 8 rotations/reflections).</param>
/// <param name="Dequantize">Adds uniform noise of one grey level to the input, hiding its 8-bit steps.</param>
/// <param name="BlurKernel">Side of synthetic motion-blur kernels (deblurring from sharp-only folders).</param>
/// <param name="BlurNoise">Largest σ of the Gaussian noise added to synthetic blur (σ is drawn from [0, this]).</param>
/// <param name="Seed">Seed; batch <c>n</c> depends only on it and <c>n</c>, so a resumed run sees the same data.</param>
public sealed record PatchOptions(int BatchSize = 16, int Crop = 48, bool Augment = true, bool Dequantize = true,
    int BlurKernel = 21, double BlurNoise = 0.01, int Seed = 0);

/// <summary>
/// Training images held in memory as bytes, and random aligned patches cut from them. SR inputs missing from disk are
/// made once per image with the reference's bicubic ↓4 (<see cref="Imresize.Downscale"/>); deblurring inputs missing
/// from disk are blurred per patch with a fresh <see cref="MotionBlur"/> kernel plus mild noise.
/// </summary>
public sealed class PatchDataset : IDisposable
{
    readonly List<(Tensor Target, Tensor? Input, string Name)> images = [];
    readonly RestorationTask task;
    readonly int scale;

    public PatchOptions Options { get; }

    public int Count => images.Count;

    public PatchDataset(IReadOnlyList<ImagePair> pairs, RestorationTask task, PatchOptions options)
    {
        if (options.BatchSize < 1 || options.Crop < 1)
            throw new DsdException(DsdErrorKind.InvalidInput, $"batch size and crop must be positive (got {options.BatchSize}, {options.Crop})");
        (this.task, scale, Options) = (task, task.Scale, options);
        var synthetic = task.MissingInput == MissingInput.MotionBlur ? options.BlurKernel - 1 : 0;
        foreach (var pair in pairs)
        {
            using var scope = NewDisposeScope();
            var (target, input) = LoadPair(pair, task);
            var (h, w) = (input.shape[2], input.shape[3]);
            var need = options.Crop + (pair.Input is null ? synthetic : 0);
            if (h < need || w < need)
                throw new DsdException(DsdErrorKind.InvalidInput, $"{pair.Input ?? pair.Target}: {w}×{h} is smaller than the {need}×{need} patches cut from it");
            images.Add((Bytes(target).MoveToOuterDisposeScope(), pair.Input is null && task.MissingInput == MissingInput.MotionBlur ? null : Bytes(input).MoveToOuterDisposeScope(), pair.Name));
        }
    }

    /// <summary>
    /// Reads a pair as float [1,3,·,·] (target, input) with the target cut to exactly scale × the input's size. A
    /// missing SR input is the bicubic ↓4 of the target, quantised to 8 bits as a saved LR file would be; a missing
    /// deblurring input is returned as the sharp image itself (the caller blurs it).
    /// </summary>
    public static (Tensor Target, Tensor Input) LoadPair(ImagePair pair, RestorationTask task)
    {
        var s = task.Scale;
        var target = ImageIo.Load(pair.Target);
        Tensor input;
        if (pair.Input is not null) input = ImageIo.Load(pair.Input);
        else if (task.MissingInput == MissingInput.BicubicDownscale)
        {
            var (h0, w0) = (target.shape[2] / s * s, target.shape[3] / s * s);
            input = Imresize.Downscale(target.narrow(2, 0, h0).narrow(3, 0, w0), s).clamp(0f, 1f).mul(255f).round().div(255f);
        }
        else input = target;
        var (h, w) = (input.shape[2], input.shape[3]);
        if (target.shape[2] < h * s || target.shape[3] < w * s)
            throw new DsdException(DsdErrorKind.InvalidInput,
                $"{pair.Target}: {target.shape[3]}×{target.shape[2]} is smaller than {s} × its input {pair.Input} ({w}×{h})");
        return (target.narrow(2, 0, h * s).narrow(3, 0, w * s), input);
    }

    static Tensor Bytes(Tensor image) => image.squeeze(0).mul(255f).round().to_type(ScalarType.Byte).contiguous();

    /// <summary>Batch number <paramref name="index"/>: a pure function of the seed and the index (thread-safe).</summary>
    public Batch Sample(long index)
    {
        var random = new Random(unchecked((int)(Options.Seed * 1_000_003L + index * 7919L) ^ (int)(index >> 32)));
        using var scope = NewDisposeScope();
        var inputs = new List<Tensor>();
        var targets = new List<Tensor>();
        for (var b = 0; b < Options.BatchSize; b++)
        {
            var (input, target) = Patch(images[random.Next(images.Count)], random);
            if (Options.Augment)
            {
                if (random.Next(2) == 1) (input, target) = (input.flip(2), target.flip(2));
                if (random.Next(2) == 1) (input, target) = (input.flip(1), target.flip(1));
                if (random.Next(2) == 1) (input, target) = (input.transpose(1, 2), target.transpose(1, 2));
            }
            if (Options.Dequantize) input = input + (Uniform(random, input.shape) - 0.5f) / 255f;
            inputs.Add(input);
            targets.Add(target);
        }
        var batch = new Batch(stack(inputs).contiguous().MoveToOuterDisposeScope(), stack(targets).contiguous().MoveToOuterDisposeScope());
        return batch;
    }

    (Tensor Input, Tensor Target) Patch((Tensor Target, Tensor? Input, string Name) image, Random random)
    {
        var c = Options.Crop;
        if (image.Input is { } lr)
        {
            var y = random.Next((int)lr.shape[1] - c + 1);
            var x = random.Next((int)lr.shape[2] - c + 1);
            var input = Float(lr.narrow(1, y, c).narrow(2, x, c));
            var target = Float(image.Target.narrow(1, y * scale, c * scale).narrow(2, x * scale, c * scale));
            return (input, target);
        }
        // Sharp only: blur a larger region without padding so the patch has real neighbours at its borders.
        var k = Options.BlurKernel;
        var side = c + k - 1;
        var sy = random.Next((int)image.Target.shape[1] - side + 1);
        var sx = random.Next((int)image.Target.shape[2] - side + 1);
        var region = Float(image.Target.narrow(1, sy, side).narrow(2, sx, side));
        var blurred = MotionBlur.ApplyValid(region.unsqueeze(0), MotionBlur.Kernel(random, k)).squeeze(0);
        var sigma = (float)(Options.BlurNoise * random.NextDouble());
        blurred = blurred + Gaussian(random, blurred.shape) * sigma;
        return (blurred, region.narrow(1, (k - 1) / 2, c).narrow(2, (k - 1) / 2, c));
    }

    static Tensor Float(Tensor bytes) => bytes.to_type(ScalarType.Float32).div(255f);

    static Tensor Uniform(Random random, long[] shape)
    {
        var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
        for (var i = 0; i < values.Length; i++) values[i] = (float)random.NextDouble();
        return tensor(values).view(shape);
    }

    static Tensor Gaussian(Random random, long[] shape)
    {
        var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
        for (var i = 0; i < values.Length; i++) values[i] = (float)MotionBlur.Gaussian(random);
        return tensor(values).view(shape);
    }

    public void Dispose()
    {
        foreach (var (target, input, _) in images)
        {
            target.Dispose();
            input?.Dispose();
        }
        images.Clear();
    }
}
