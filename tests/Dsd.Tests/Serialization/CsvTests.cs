using Dsd.Imaging;
using Dsd.Serialization;
using Dsd.Tests.Cli;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Serialization;

/// <summary>Every CSV output writes a cell one way (<see cref="Csv"/>): the same infinity and NaN words, quoting and digits.</summary>
[Collection(CliHarness.Name)]
public class CsvTests
{
    [Fact]
    public void NumbersAndTextFollowTheOneRule()
    {
        Assert.Equal(["nan", "inf", "-inf", "0.1", "0.100000001", "1E+300"],
            [Csv.Number(double.NaN), Csv.Number(double.PositiveInfinity), Csv.Number(double.NegativeInfinity), Csv.Number(0.1),
             Csv.Number(0.1f, "G9"), Csv.Number(1e300)]);
        Assert.Equal(["plain", "\"a,b\"", "\"say \"\"hi\"\"\"", "\"two\nlines\"", ""],
            [Csv.Quote("plain"), Csv.Quote("a,b"), Csv.Quote("say \"hi\""), Csv.Quote("two\nlines"), Csv.Cell(null)]);
        Assert.Equal("1,\"x,y\",inf\n", Csv.Line([Csv.Cell(1), Csv.Cell("x,y"), Csv.Cell(double.PositiveInfinity)]));
    }

    /// <summary>
    /// An identical pair has PSNR +∞: dsd score's CSV writes "inf", and dsd merge's CSV of the same rows must be the same
    /// file (it wrote .NET's "Infinity" before the CSV rule was shared).
    /// </summary>
    [Fact]
    public void MergedCsvWritesInfinityAsScoreDoes()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-csv-").FullName;
        var (dist, reference) = (Directory.CreateDirectory(Path.Combine(dir, "dist")).FullName, Directory.CreateDirectory(Path.Combine(dir, "ref")).FullName);
        using (NewDisposeScope())
        {
            var g = new Generator(3);
            var a = rand([1, 3, 16, 16], generator: g);
            ImageIo.SavePng(a, Path.Combine(reference, "same.png"));
            ImageIo.SavePng(a, Path.Combine(dist, "same.png"));
            ImageIo.SavePng(rand([1, 3, 16, 16], generator: g), Path.Combine(reference, "other.png"));
            ImageIo.SavePng(rand([1, 3, 16, 16], generator: g), Path.Combine(dist, "other.png"));
        }
        string[] score = ["score", "--ref", reference, "--dist", dist, "--metrics", "psnr-y"];
        var (code, _, err) = CliHarness.Run([.. score, "--out", Path.Combine(dir, "single.csv")]);
        Assert.True(code == 0, err);
        (code, _, err) = CliHarness.Run([.. score, "--shard", "0/1", "--out", Path.Combine(dir, "shard.json")]);
        Assert.True(code == 0, err);
        (code, _, err) = CliHarness.Run("merge", Path.Combine(dir, "shard.json"), "--out", Path.Combine(dir, "merged.csv"));
        Assert.True(code == 0, err);

        var single = File.ReadAllText(Path.Combine(dir, "single.csv"));
        Assert.Contains(",inf,", single);
        Assert.Equal(single, File.ReadAllText(Path.Combine(dir, "merged.csv")));
    }
}
