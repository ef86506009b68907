namespace Cryo.Agent.Operations;

/// <summary>
/// Where a restore's time went, step by step, so an in-pod restore can be set beside a standalone one: what
/// the target adds shows up in its own step. <see cref="Target"/>, <see cref="Prepare"/>, <see cref="Criu"/> and
/// <see cref="Handoff"/> follow each other and together make the total; <see cref="Filesystem"/> runs beside CRIU,
/// which waits for it only <see cref="FilesWait"/>, and the images' verification beside CRIU, which holds the
/// restored tree for it (and the files) only <see cref="VerifyWait"/>.
/// </summary>
/// <param name="Target">Finding the checkpoint and checking its files are all there, resolving the target container and its placeholder.</param>
/// <param name="Filesystem">Checking the volumes; for a target container, verifying and applying the writable layer and /dev/shm (beside CRIU).</param>
/// <param name="Prepare">The attempt's directory, cgroups, terminal, plan and gates, up to CRIU's start.</param>
/// <param name="Criu">CRIU's restore, including the time it was held for the files and the verification.</param>
/// <param name="Handoff">After CRIU: the verification's end where CRIU did not wait for it (a copy held frozen), finding the restored root, thawing it, the placeholder's handoff.</param>
public sealed record RestoreSteps(TimeSpan Target, TimeSpan Filesystem, TimeSpan Prepare, TimeSpan Criu, TimeSpan Handoff)
{
    /// <summary>How long CRIU was held, before it opened the tree's files, for the files it opens by name.</summary>
    public TimeSpan FilesWait { get; init; }

    /// <summary>How long the restored tree was held at CRIU's post-restore until its images were verified and its files all applied.</summary>
    public TimeSpan VerifyWait { get; init; }
}
