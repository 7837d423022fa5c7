using static TorchSharp.torch;

using Dsd.Training;

namespace Dsd.Restoration;

/// <summary>
/// Synthetic camera-shake blur in the manner of DeblurGAN (after Boracchi and Foi, 2012): a random 2-D trajectory with
/// inertia, small Gaussian jitter, a pull back to the start and occasional abrupt turns, rendered into a normalised
/// k×k kernel by bilinear splatting.
/// </summary>
public static class MotionBlur
{
    /// <summary>A random blur kernel [k,k] (float32, sums to 1), drawn from <paramref name="random"/>.</summary>
    public static float[,] Kernel(Random random, int size)
    {
        const int steps = 400;
        var anxiety = 0.005 + 0.1 * random.NextDouble();
        var centripetal = 0.7 * random.NextDouble();
        var bigShake = 0.2 * random.NextDouble();
        var jitter = 10 * random.NextDouble();
        var angle = 2 * Math.PI * random.NextDouble();
        var step = 1.0 / (steps - 1);
        var (vx, vy) = (Math.Cos(angle) * anxiety, Math.Sin(angle) * anxiety);
        var xs = new double[steps];
        var ys = new double[steps];
        for (var t = 0; t < steps - 1; t++)
        {
            double dx = 0, dy = 0;
            if (random.NextDouble() < bigShake * anxiety)
            {
                // An abrupt turn: roughly reverse the velocity, with a random deviation.
                var turn = Math.PI + (random.NextDouble() - 0.5);
                (dx, dy) = (2 * (vx * Math.Cos(turn) - vy * Math.Sin(turn)), 2 * (vx * Math.Sin(turn) + vy * Math.Cos(turn)));
            }
            dx += anxiety * (jitter * Gaussian(random) - centripetal * xs[t]) * step;
            dy += anxiety * (jitter * Gaussian(random) - centripetal * ys[t]) * step;
            (vx, vy) = (vx + dx, vy + dy);
            var norm = Math.Sqrt(vx * vx + vy * vy);
            if (norm > 0) (vx, vy) = (vx / norm * step, vy / norm * step);
            xs[t + 1] = xs[t] + vx;
            ys[t + 1] = ys[t] + vy;
        }
        // Scale the path to a random extent within the kernel and centre it.
        var (minX, maxX, minY, maxY) = (xs.Min(), xs.Max(), ys.Min(), ys.Max());
        var extent = Math.Max(Math.Max(maxX - minX, maxY - minY), 1e-9);
        var length = (size - 1) * (0.3 + 0.7 * random.NextDouble());
        var scale = length / extent;
        var (cx, cy) = ((minX + maxX) / 2, (minY + maxY) / 2);
        var kernel = new float[size, size];
        var centre = (size - 1) / 2.0;
        for (var t = 0; t < steps; t++)
        {
            var px = Math.Clamp(centre + (xs[t] - cx) * scale, 0, size - 1);
            var py = Math.Clamp(centre + (ys[t] - cy) * scale, 0, size - 1);
            var (x0, y0) = ((int)Math.Floor(px), (int)Math.Floor(py));
            var (fx, fy) = (px - x0, py - y0);
            var (x1, y1) = (Math.Min(x0 + 1, size - 1), Math.Min(y0 + 1, size - 1));
            kernel[y0, x0] += (float)((1 - fx) * (1 - fy));
            kernel[y0, x1] += (float)(fx * (1 - fy));
            kernel[y1, x0] += (float)((1 - fx) * fy);
            kernel[y1, x1] += (float)(fx * fy);
        }
        float sum = 0;
        foreach (var v in kernel) sum += v;
        for (var i = 0; i < size; i++)
            for (var j = 0; j < size; j++) kernel[i, j] /= sum;
        return kernel;
    }

    /// <summary>
    /// Blurs <paramref name="sharp"/> [B,3,H,W] with <paramref name="kernel"/> [k,k] without padding: the result is
    /// [B,3,H−k+1,W−k+1], aligned with the sharp image's centre crop of that size.
    /// </summary>
    public static Tensor ApplyValid(Tensor sharp, float[,] kernel)
    {
        using var scope = NewDisposeScope();
        var k = kernel.GetLength(0);
        // conv2d is cross-correlation; flip the kernel so this is a true convolution.
        var weight = tensor(kernel).flip(0, 1).to(sharp.device).view(1, 1, k, k).expand(3, 1, k, k).contiguous();
        return nn.functional.conv2d(sharp, weight, groups: 3).MoveToOuterDisposeScope();
    }

    /// <summary>Blurs a whole image keeping its size (edges replicated): for validation images made on the fly.</summary>
    public static Tensor ApplySame(Tensor sharp, float[,] kernel)
    {
        using var scope = NewDisposeScope();
        var pad = kernel.GetLength(0) / 2;
        var padded = nn.functional.pad(sharp, [pad, pad, pad, pad], TorchSharp.PaddingModes.Replicate);
        return ApplyValid(padded, kernel).MoveToOuterDisposeScope();
    }

    internal static double Gaussian(Random random)
    {
        var u = 1.0 - random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble());
    }
}
