namespace Cryo.Agent.Operations;

/// <summary>
/// Where a restore's time went, step by step, so an in-pod restore can be set beside a standalone one: what
/// the target adds shows up in its own step. The steps follow each other and together make the total, but for
/// <see cref="Filesystem"/>: the files a target container gets are applied while CRIU starts, so that part of it
/// overlaps <see cref="Criu"/>.
/// </summary>
/// <param name="Target">Finding the checkpoint and checking its files are all there, resolving the target container and its placeholder.</param>
/// <param name="Filesystem">Checking the volumes; for a target container, verifying and applying the writable layer and /dev/shm (beside CRIU's start).</param>
/// <param name="Prepare">The attempt's directory, cgroups, terminal, plan and gate, up to CRIU's start.</param>
/// <param name="Criu">CRIU's restore, including the time the gate held it for the verification.</param>
/// <param name="Handoff">After CRIU: the verification's end, finding the restored root, thawing it, the placeholder's handoff.</param>
public sealed record RestoreSteps(TimeSpan Target, TimeSpan Filesystem, TimeSpan Prepare, TimeSpan Criu, TimeSpan Handoff);
