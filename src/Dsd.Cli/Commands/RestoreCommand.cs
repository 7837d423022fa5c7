using System.CommandLine;
using Dsd.Imaging;
using Dsd.Restoration;
using static TorchSharp.torch;

namespace Dsd.Cli.Commands;

/// <summary><c>dsd restore sr|deblur [--model dsd|l1|CKPT] --in PATH --out DIR</c>: runs a trained generator over image files.</summary>
internal static class RestoreCommand
{
    public static Command Create()
    {
        var command = new Command("restore", "Restore images with a trained generator: "
            + string.Join(" or ", RestorationTask.All.Select(t => $"{t.Title} ({t.Name})")) + "; trained models ship with dsd");
        foreach (var task in RestorationTask.All)
            command.Subcommands.Add(Task(task));
        return command;
    }

    /// <summary>
    /// The shipped models of <paramref name="task"/> for the help texts, read once per command line; a model file whose
    /// header cannot be read must not stop every other command, so it is left out here and reported when used.
    /// </summary>
    static IReadOnlyList<ShippedModel> ShippedForHelp(RestorationTask task)
    {
        try { return ShippedModels.For(task); }
        catch (DsdException) { return []; }
    }

    /// <summary>The <c>--model</c> help.</summary>
    static string ModelHelp(RestorationTask task, int shipped) => shipped == 0
        ? $"Generator checkpoint: ours (.safetensors or its .json sidecar) or a PyTorch state dict of the reference code "
            + $"(this installation has no readable shipped {task.Name} models in {ShippedModels.Folder})"
        : $"A shipped model ({string.Join(", ", ShippedModels.Names)}: see above) or a generator checkpoint: ours (.safetensors "
            + "or its .json sidecar) or a PyTorch state dict of the reference code";

    static Command Task(RestorationTask task)
    {
        var shipped = ShippedForHelp(task);
        var model = new Option<string>("--model")
        {
            Description = ModelHelp(task, shipped.Count),
            DefaultValueFactory = _ => ShippedModels.Names[0],
            HelpName = string.Join("|", ShippedModels.Names) + "|CKPT",
        };
        var input = new Option<string>("--in", "-i") { Description = "Image file, or a folder of images (PNG, JPEG, BMP, WebP)", Required = true, HelpName = "PATH" };
        var output = new Option<string>("--out", "-o") { Description = "Folder for the results, written as NAME.png; never an input's path", Required = true, HelpName = "DIR" };
        var tile = new Option<int?>("--tile")
        {
            Description = "Tile side in input pixels; larger images run tile by tile (default: the largest of 512, 256, 128, 64 that fits --max-memory)",
            HelpName = "N",
        };
        var overlap = new Option<int?>("--overlap")
        {
            Description = "Context around each tile in input pixels (default: the network's receptive radius, 5 + 5·blocks, "
                + "which makes tiled output equal to whole-image output; smaller is faster but shows seams)",
            HelpName = "N",
        };
        var blocks = new Option<int?>("--blocks") { Description = "Residual blocks of the network (default: read from the checkpoint)", HelpName = "N" };
        // Numbers that size work are refused up front as usage errors, not per image.
        // Below 32 pixels the context around each tile is most of the work: --tile 1 ran for hours.
        tile.Within(32, WorkLimits.MaxSide);
        overlap.Within(0, 4_096);
        blocks.Within(1, RestorationNetworks.MaxBlocks);
        var strict = CommonOptions.Strict("image", "restored", "restore the others");
        var device = CommonOptions.Device();
        var description = (task == RestorationTask.SuperResolution
            ? "Upscale images ×4 with xSRResNet"
            : $"Restore images with {task.Network.Summary} ({task.Title})")
            + (shipped.Count == 0 ? "" : ". Shipped models (--model NAME):")
            + string.Concat(shipped.Select(m => $"\n  {m.Name}{(m.Name == ShippedModels.Names[0] ? " (default)" : "")}: {m.Description}"));
        var command = new Command(task.Name, description) { model, input, output, tile, overlap, blocks, strict, device, MemoryOption.Create() };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            MemoryOption.Apply(parse);
            var dev = CommonOptions.ParseDevice(parse.GetValue(device)!);
            var outDir = parse.GetValue(output)!;
            var plan = RestorePlan.Make(parse.GetValue(input)!, outDir);
            using var net = RestorationNetworks.Resolve(task, parse.GetValue(model)!, parse.GetValue(blocks), dev);
            var tileSize = parse.GetValue(tile);
            var tileMargin = parse.GetValue(overlap) ?? task.Network.ReceptiveRadius(RestorationNetworks.Blocks(net));
            var stopAtFirstError = parse.GetValue(strict);
            var (written, failed) = (0, 0);
            ProgressBar.Items(plan.Count, advance =>
            {
                foreach (var (from, to) in plan)
                {
                    try
                    {
                        using var scope = NewDisposeScope();
                        var x = ImageIo.Load(from, dev);
                        var side = tileSize ?? TiledInference.AutoTile(x.shape[2], x.shape[3], task.Scale, tileMargin);
                        ImageIo.SavePng(TiledInference.Run(net, x, task.Scale, side, tileMargin), to);
                        written++;
                    }
                    // A bad image costs only its own result; a full disk or an unwritable folder stops the run.
                    catch (DsdException e) when (e.Kind is DsdErrorKind.InvalidInput or DsdErrorKind.Numerical)
                    {
                        failed++;
                        CliRunner.Error(e.Message.Contains(from, StringComparison.Ordinal) ? e.Message : $"{from}: {e.Message}");
                        if (stopAtFirstError) break;
                    }
                    advance(from);
                }
            }, "restoring");
            CliRunner.Info($"wrote {written} image{(written == 1 ? "" : "s")} to {outDir}"
                + (failed > 0 ? $"; {failed} could not be restored" + (stopAtFirstError && written + failed < plan.Count ? $" (--strict: {plan.Count - written - failed} not attempted)" : "") : ""));
            return failed > 0 ? CliRunner.InputsFailed : CliRunner.Ok;
        }));
        return command;
    }
}
