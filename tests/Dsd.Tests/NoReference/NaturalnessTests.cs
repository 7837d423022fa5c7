using System.IO.Compression;
using System.Text.Json;
using Dsd.Imaging;
using Dsd.NoReference;
using Dsd.Quality;
using Dsd.Serialization;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.NoReference;

/// <summary>
/// NIQE and BRISQUE on images made here: their parts against closed forms and OpenCV 4.6's own numbers
/// (TestData/brisque-opencv), and the properties the metrics exist for (noise, blur and JPEG raise them; flat images
/// are worst or undefined; results repeat exactly).
/// </summary>
public sealed class NaturalnessTests
{
    /// <summary>
    /// A photo-like texture: Gaussian noise shaped to a 1/f amplitude spectrum (natural photos' statistics, the
    /// property NIQE and BRISQUE model), a different mix per channel, scaled to [0.05, 0.95] and rounded to 8 bits.
    /// </summary>
    internal static Tensor Texture(int h, int w, int seed = 1)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator((ulong)seed);
        var fy = fft.fftfreq(h).view(-1, 1);
        var fx = fft.rfftfreq(w).view(1, -1);
        var radius = (fy * fy + fx * fx).sqrt().clamp_min(1.0 / Math.Max(h, w));
        var channels = new List<Tensor>();
        var shared = fft.irfft2(fft.rfft2(randn(new long[] { h, w }, generator: generator, dtype: ScalarType.Float64)) / radius, new long[] { h, w });
        for (var c = 0; c < 3; c++)
        {
            var own = fft.irfft2(fft.rfft2(randn(new long[] { h, w }, generator: generator, dtype: ScalarType.Float64)) / radius, new long[] { h, w });
            var mix = shared + 0.3 * own;
            channels.Add((mix - mix.min()) / (mix.max() - mix.min()) * 0.9 + 0.05);
        }
        var image = stack(channels).unsqueeze(0).mul(255).round().div(255).to(ScalarType.Float32);
        return image.MoveToOuterDisposeScope();
    }

    static readonly NiqeMetric niqe = new();
    static readonly BrisqueMetric brisque = new();

    [Fact]
    public void Gamma_matches_closed_forms()
    {
        Assert.Equal(24, GammaFunction.Gamma(5), 1e-12);
        Assert.Equal(Math.Sqrt(Math.PI), GammaFunction.Gamma(0.5), 1e-14);
        Assert.Equal(Math.Sqrt(Math.PI) / 2, GammaFunction.Gamma(1.5), 1e-14);
        Assert.Equal(9.513507698668732, GammaFunction.Gamma(0.1), 1e-12); // Γ(0.1), A&S table
        // A Gaussian (γ = 2) has (E|x|)²/E x² = 2/π; a Laplacian (γ = 1) 1/2.
        Assert.Equal(2 / Math.PI, GammaFunction.ShapeRatio(2), 1e-14);
        Assert.Equal(0.5, GammaFunction.ShapeRatio(1), 1e-14);
    }

    [Fact]
    public void Pseudo_inverse_quadratic_form_inverts_regular_and_skips_null_directions()
    {
        // [[2,1],[1,3]]⁻¹ = [[3,−1],[−1,2]]/5, so (1,2)·A⁻¹·(1,2) = 1.4.
        Assert.Equal(1.4, SymmetricPseudoInverse.QuadraticForm([2, 1, 1, 3], [1, 2]), 1e-14);
        // [[1,1],[1,1]]⁺ = [[1,1],[1,1]]/4: (1,0) gives 1/4, and (1,−1), in the null space, gives 0.
        Assert.Equal(0.25, SymmetricPseudoInverse.QuadraticForm([1, 1, 1, 1], [1, 0]), 1e-14);
        Assert.Equal(0, SymmetricPseudoInverse.QuadraticForm([1, 1, 1, 1], [1, -1]), 1e-14);
    }

    [Fact]
    public void Plane_imresize_equals_the_tensor_imresize()
    {
        using var scope = NewDisposeScope();
        var x = rand(new long[] { 1, 1, 50, 38 }, dtype: ScalarType.Float64, generator: new Generator(3));
        var expected = Imresize.Scale(x, 0.5).flatten().data<double>().ToArray();
        var (plane, h, w) = PlaneImresize.Scale(x.flatten().data<double>().ToArray(), 50, 38, 0.5);
        Assert.Equal((25, 19), (h, w));
        for (var i = 0; i < plane.Length; i++) Assert.Equal(expected[i], plane[i], 1e-12);
    }

    static JsonElement OpenCv => JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.TestData, "brisque-opencv", "opencv.json"))).RootElement;

    static byte[] OpenCvGray(Tensor image)
    {
        var bytes = EightBitImage.From(image, "test");
        return Enumerable.Range(0, bytes.R.Length).Select(i => Brisque.Gray(bytes.R[i], bytes.G[i], bytes.B[i])).ToArray();
    }

    [Fact]
    public void Gray_and_cubic_resize_are_opencvs_to_the_bit()
    {
        var golden = OpenCv;
        var colours = golden.GetProperty("colours_rgb").EnumerateArray().Select(c => c.EnumerateArray().Select(v => (byte)v.GetInt32()).ToArray()).ToList();
        var grays = golden.GetProperty("gray").EnumerateArray().Select(v => v.GetInt32()).ToList();
        for (var i = 0; i < colours.Count; i++) Assert.Equal(grays[i], Brisque.Gray(colours[i][0], colours[i][1], colours[i][2]));

        using var scope = NewDisposeScope();
        var gray = OpenCvGray(ImageIo.Load(Path.Combine(TestPaths.TestData, "brisque-opencv", "texture-96x80.png")));
        var unit = gray.Select(g => g * (float)(1.0 / 255)).ToArray();
        var half = OpenCvResize.Cubic(unit, 80, 96, 40, 48);
        Assert.Equal(golden.GetProperty("half_row3").EnumerateArray().Select(v => v.GetSingle()), half.Skip(3 * 48).Take(48));
        // A non-integer ratio and a width that is not a multiple of OpenCV's 4 SIMD lanes: 37×80 → 13×7.
        var narrow = Enumerable.Range(0, 80).SelectMany(y => unit.Skip(y * 96).Take(37)).ToArray();
        Assert.Equal(golden.GetProperty("odd_13x7").EnumerateArray().Select(v => v.GetSingle()), OpenCvResize.Cubic(narrow, 80, 37, 7, 13));
    }

    [Fact]
    public void Brisque_features_and_score_match_opencv()
    {
        using var scope = NewDisposeScope();
        var golden = OpenCv;
        var image = ImageIo.Load(Path.Combine(TestPaths.TestData, "brisque-opencv", "texture-96x80.png"));
        var features = Brisque.Features(OpenCvGray(image), 80, 96);
        var expected = golden.GetProperty("features").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        for (var i = 0; i < expected.Length; i++) Assert.True(Math.Abs(features[i] - expected[i]) <= 1e-5 * Math.Abs(expected[i]) + 1e-9, $"feature {i}: {features[i]} vs OpenCV {expected[i]}");
        Assert.Equal(golden.GetProperty("brisque").GetDouble(), brisque.Score(image, null), 0.01);
    }

    [Fact]
    public void Noise_blur_and_jpeg_raise_niqe_and_brisque()
    {
        using var scope = NewDisposeScope();
        var clean = Texture(288, 288);
        var (n0, b0) = (niqe.Score(clean, null), brisque.Score(clean, null));
        // Measured: clean 5.97 / 30.2; noise σ 15: 8.94 / 43.1; blur σ 2: 9.10 / 63.5; JPEG q 10: 7.28 / 73.1 (NIQE / BRISQUE).
        foreach (var (kind, strength) in new[] { (DistortionKind.Noise, 15.0), (DistortionKind.Blur, 2.0), (DistortionKind.Jpeg, 10.0) })
        {
            var distorted = SyntheticDistortion.Apply(clean, kind, strength, seed: 1);
            Assert.True(niqe.Score(distorted, null) > n0, $"niqe: {kind} {strength} scored {niqe.Score(distorted, null):F3}, clean {n0:F3}");
            Assert.True(brisque.Score(distorted, null) > b0, $"brisque: {kind} {strength} scored {brisque.Score(distorted, null):F3}, clean {b0:F3}");
        }
    }

    [Fact]
    public void Scores_repeat_exactly_and_niqe_ignores_partial_blocks()
    {
        using var scope = NewDisposeScope();
        var image = Texture(200, 250, seed: 2);
        Assert.Equal(niqe.Score(image, null), niqe.Score(image.clone(), null));
        Assert.Equal(brisque.Score(image, null), brisque.Score(image.clone(), null));
        // The blocks tile from the top-left corner; the 8 rows and 58 columns beyond 2×2 blocks are not used.
        Assert.Equal(niqe.Score(image, null), niqe.Score(image[.., .., ..192, ..192].contiguous(), null));
    }

    [Fact]
    public void Flat_images_are_brisques_worst_and_undefined_for_niqe()
    {
        using var scope = NewDisposeScope();
        foreach (var level in new[] { 0.5f, 1f })
        {
            var flat = full(new long[] { 1, 3, 200, 200 }, level);
            Assert.Equal(100, brisque.Score(flat, null)); // OpenCV 4.6 answers 100 too
            var e = Assert.Throws<DsdException>(() => niqe.Score(flat, null));
            Assert.Equal(DsdErrorKind.Numerical, e.Kind);
            Assert.Contains("flat", e.Message);
        }
    }

    [Fact]
    public void Too_small_images_are_invalid_input_naming_the_size()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<DsdException>(() => niqe.Score(Texture(100, 150), null));
        Assert.Equal(DsdErrorKind.InvalidInput, e.Kind);
        Assert.Equal("niqe needs at least two 96×96 blocks (an image of at least 192×96), got 150×100", e.Message);
        Assert.Equal(DsdErrorKind.InvalidInput, Assert.Throws<DsdException>(() => brisque.Score(Texture(3, 20), null)).Kind);
        Assert.Equal(DsdErrorKind.Numerical, Assert.Throws<DsdException>(() => brisque.Score(full(new long[] { 1, 3, 8, 8 }, float.NaN), null)).Kind);
    }

    [Fact]
    public void Catalogue_entries_are_no_reference_lower_is_better_and_need_no_weights()
    {
        foreach (var name in new[] { "niqe", "niqe-y", "brisque" })
        {
            var entry = MetricCatalog.Metric(name);
            Assert.Equal(MetricKind.NoReference, entry.Kind);
            Assert.True(entry.LowerIsBetter);
            Assert.False(entry.NeedsVgg(new MetricOptions()));
            Assert.IsType(name == "brisque" ? typeof(BrisqueMetric) : typeof(NiqeMetric), MetricCatalog.Create(entry, new MetricOptions())); // no VGG weights, no files: built in
        }
        Assert.Equal(NiqeModel.FeatureCount, NiqeModel.Shipped.Mean.Length);
        Assert.Equal(7, NiqeModel.Shipped.WindowSide);
        Assert.Equal(774, BrisqueModel.Shipped.Alpha.Length);
        Assert.Equal(0.05, BrisqueModel.Shipped.Gamma, 1e-15);
    }

    [Fact]
    public void Numpy_archives_are_parsed_in_c_order_and_bad_ones_named()
    {
        static byte[] Npy(string header, double[] values)
        {
            var text = header.PadRight(118) + "\n";
            using var s = new MemoryStream();
            s.Write([0x93, .. "NUMPY"u8, 1, 0, (byte)text.Length, 0]);
            s.Write(System.Text.Encoding.ASCII.GetBytes(text));
            foreach (var v in values) s.Write(BitConverter.GetBytes(v));
            return s.ToArray();
        }
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            // [[1,2,3],[4,5,6]] stored column by column.
            using (var e = archive.CreateEntry("m.npy").Open()) e.Write(Npy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", [1, 4, 2, 5, 3, 6]));
            using (var e = archive.CreateEntry("v.npy").Open()) e.Write(Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", [7, 8, 9]));
        }
        zip.Position = 0;
        var arrays = NumpyArchive.Read(zip, "test.npz");
        Assert.Equal([1, 2, 3, 4, 5, 6], arrays["m"].Values);
        Assert.Equal([2, 3], arrays["m"].Shape);
        Assert.Equal([7, 8, 9], arrays["v"].Values);

        var f4 = Assert.Throws<DsdException>(() => NumpyArchive.ParseNpy(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", [1]), "x.npy"));
        Assert.Equal("x.npy: dtype <f4 is not little-endian float64 ('<f8')", f4.Message);
        var shortData = Assert.Throws<DsdException>(() => NumpyArchive.ParseNpy(Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", [1, 2]), "y.npy"));
        Assert.Equal("y.npy: 16 data bytes for 4 float64 values", shortData.Message);
        Assert.Equal(DsdErrorKind.InvalidInput, Assert.Throws<DsdException>(() => NumpyArchive.Read(new MemoryStream([1, 2, 3]), "z.npz")).Kind);
    }

    [Fact]
    public void Malformed_brisque_model_files_are_named()
    {
        var e = Assert.Throws<DsdException>(() => BrisqueModel.Read("svmType: C_SVC\n", "", "m.yml"));
        Assert.Equal("m.yml: svmType is C_SVC, expected EPS_SVR", e.Message);
        var model = "svmType: EPS_SVR\n   kernel:\n      type: RBF\n      gamma: 0.05\n   var_count: 36\n   sv_total: 2\n   support_vectors:\n      - [ 1., 2. ]\n   decision_functions:\n      -\n         rho: 1.\n         alpha: [ 1., -1. ]\n";
        Assert.Equal("m.yml: 2 support-vector values for 2 vectors of 36", Assert.Throws<DsdException>(() => BrisqueModel.Read(model, "", "m.yml")).Message);
    }
}
