using System.Globalization;
using Cryo.Agent.Hosting;
using Cryo.Agent.Operations;
using Cryo.Agent.Store.Manifest;
using Cryo.Agent.Transfer;
using Cryo.Contracts.Agent.V1;
using Cryo.Criu;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Cryo.Agent.Preflight;

/// <summary>
/// Says whether this node can restore a checkpoint before anything is stopped or moved: CRIU usable here and at least
/// as new as the one that dumped it, the kernel at least as new, the CRIU features the restore needs, and this CPU able
/// to run what the source CPU ran (<c>criu cpuinfo check</c>), and the workload's image on this node or pullable by the
/// kubelet (<see cref="CriImages"/>). Every gap is named. Changes nothing on the node.
/// </summary>
public sealed class RestorePreflight(INodeInfoProvider node, ICriu criu, ICheckpointCatalog catalog, CriImages images, IOptions<AgentOptions> options,
    IServiceProvider services)
{
    private static readonly TimeSpan ManifestFetchTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The requirements of a committed checkpoint: from this store, else its manifest from the agent at <paramref name="sourceAddress"/>.</summary>
    /// <exception cref="CheckpointNotFoundException">Neither holds it.</exception>
    public async Task<RestoreRequirements> RequirementsOfAsync(string @namespace, string name, string sourceAddress, string sourceNode, CancellationToken cancellationToken)
    {
        if (await catalog.FindAsync(@namespace, name, cancellationToken) is { } local)
        {
            return RestoreRequirements.Of(local.Manifest);
        }

        if (string.IsNullOrEmpty(sourceAddress))
        {
            throw new CheckpointNotFoundException(@namespace, name);
        }

        var peers = services.GetService<PeerConnections>()
            ?? throw new FeatureUnavailableException("agent-transfer", "this agent cannot reach other agents (no peer connections configured)");
        using var channels = peers.Open(sourceAddress, 1);
        try
        {
            using var call = channels.Connections[0].Transfer.FetchCheckpoint(
                new FetchCheckpointRequest { Checkpoint = new CheckpointRef { Namespace = @namespace, Name = name }, ManifestOnly = true },
                deadline: DateTime.UtcNow + ManifestFetchTimeout, cancellationToken: cancellationToken);
            await foreach (var part in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                if (part.PartCase == CheckpointPart.PartOneofCase.Manifest)
                {
                    var manifest = ManifestSerializer.Deserialize(part.Manifest.Span, $"{sourceNode}:{@namespace}/{name}/{CheckpointManifest.FileName}");
                    return RestoreRequirements.Of(manifest) is var required && sourceNode.Length > 0 ? required with { SourceNode = sourceNode } : required;
                }
            }
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            throw new CheckpointNotFoundException(@namespace, name);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted)
        {
            throw new TransientAgentException($"reading the manifest of checkpoint {@namespace}/{name} from {sourceNode} ({sourceAddress}): {e.Status.Detail}", TimeSpan.FromSeconds(5));
        }

        throw new TransientAgentException($"the agent on {sourceNode} ({sourceAddress}) ended the stream before the manifest of checkpoint {@namespace}/{name}", TimeSpan.FromSeconds(5));
    }

    /// <summary>Checks this node against <paramref name="required"/>.</summary>
    public async Task<PreflightVerdict> CheckAsync(RestoreRequirements required, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(required);
        var facts = await node.GetNodeFactsAsync(cancellationToken);
        var from = required.SourceNode.Length > 0 ? $" on node {required.SourceNode}" : string.Empty;
        var gaps = new List<PreflightGap>();
        var notChecked = new List<string>();

        if (facts.Capabilities.TryGetValue("criu", out var usable) && !usable.Available)
        {
            gaps.Add(new PreflightGap(PreflightGapKinds.Criu, "criu", required.CriuVersion, usable.Reason,
                $"CRIU cannot run on this node: {usable.Reason}"));
        }

        if (Older(facts.CriuVersion, required.CriuVersion, 3))
        {
            gaps.Add(new PreflightGap(PreflightGapKinds.CriuVersion, "criu", required.CriuVersion, facts.CriuVersion,
                $"CRIU {facts.CriuVersion} here is older than CRIU {required.CriuVersion} that dumped the checkpoint{from}: install CRIU ≥ {required.CriuVersion} on this node (hack/install-criu.sh)"));
        }

        if (Older(facts.KernelRelease, required.KernelRelease, 2))
        {
            gaps.Add(new PreflightGap(PreflightGapKinds.Kernel, "kernel", required.KernelRelease, facts.KernelRelease,
                $"kernel {facts.KernelRelease} here is older than kernel {required.KernelRelease} the checkpoint was taken on{from}: restore on a node whose kernel is at least as new"));
        }

        foreach (var feature in required.Features)
        {
            if (!facts.Capabilities.TryGetValue(feature, out var status))
            {
                gaps.Add(new PreflightGap(PreflightGapKinds.Feature, feature, "available", "unknown to this agent",
                    $"the restore needs CRIU feature {feature}, which this agent does not know: update the agent"));
            }
            else if (!status.Available)
            {
                gaps.Add(new PreflightGap(PreflightGapKinds.Feature, feature, "available", status.Reason,
                    $"the restore needs CRIU feature {feature}, unavailable on this node: {status.Reason}"));
            }
        }

        if (required.Cpuinfo.IsEmpty)
        {
            notChecked.Add($"cpu: the checkpoint records no CPU description of its source{from}");
        }
        else if (await criu.CheckCpuinfoAsync(required.Cpuinfo, cancellationToken) is not { } cpu)
        {
            notChecked.Add("cpu: this agent's CRIU runner cannot check CPU descriptions");
        }
        else if (!cpu.Compatible)
        {
            gaps.Add(new PreflightGap(PreflightGapKinds.Cpu, "cpu", $"the instruction sets and FPU state of the CPU{from}", cpu.Detail,
                $"this node's CPU lacks instruction sets or FPU state the source CPU{from} had (criu cpuinfo check: {cpu.Detail}): restore on a node with the same or a newer CPU model"));
        }

        await CheckImageAsync(required, gaps, notChecked, cancellationToken);
        return new PreflightVerdict(gaps, notChecked, facts.CriuVersion, facts.KernelRelease);
    }

    // Present: nothing to say. Missing: a gap if it may not be pulled, else a note that the kubelet pulls it (whether the
    // registry has it and lets this node pull is not checked: only the kubelet's credentials can tell).
    private async Task CheckImageAsync(RestoreRequirements required, List<PreflightGap> gaps, List<string> notChecked, CancellationToken cancellationToken)
    {
        // A process tree that ran in no container image (started by hand, or imported without one) needs none.
        if (required.Image.Length == 0)
        {
            return;
        }

        var here = options.Value.NodeName;
        var found = await images.FindAsync(required.Image, cancellationToken);
        if (!found.Known)
        {
            notChecked.Add($"image: whether image {required.Image} is on node {here} ({found.Detail})");
        }
        else if (found.Present)
        {
            return;
        }
        else if (string.Equals(required.ImagePullPolicy, "Never", StringComparison.Ordinal))
        {
            gaps.Add(new PreflightGap(PreflightGapKinds.Image, required.Image, "present (imagePullPolicy Never)", "not present",
                $"image {required.Image} not present on node {here}, and imagePullPolicy Never forbids the kubelet to pull it: put the image on the node or allow pulling it"));
        }
        else
        {
            var policy = required.ImagePullPolicy.Length > 0 ? required.ImagePullPolicy : "the default";
            notChecked.Add($"image: image {required.Image} not present on node {here}; the kubelet will pull it (imagePullPolicy {policy}), whether it can is not checked");
        }
    }

    /// <summary>
    /// True when <paramref name="here"/> is older than <paramref name="required"/> in their first <paramref name="parts"/>
    /// numeric parts (missing parts count as 0); false when either is unknown.
    /// </summary>
    private static bool Older(string here, string required, int parts) =>
        Numbers(here, parts) is { } mine && Numbers(required, parts) is { } theirs
        && mine.Zip(theirs).SkipWhile(pair => pair.First == pair.Second).Select(pair => pair.First < pair.Second).FirstOrDefault();

    // "6.18.0-cloud-amd64" → [6, 18]; "4.2" → [4, 2, 0] for three parts. Null when it does not start with a number.
    private static int[]? Numbers(string version, int parts)
    {
        var fields = version.Split('.', '-', '+');
        var numbers = new int[parts];
        for (var i = 0; i < parts && i < fields.Length; i++)
        {
            if (!int.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]))
            {
                return i == 0 ? null : numbers;
            }
        }

        return numbers;
    }
}
