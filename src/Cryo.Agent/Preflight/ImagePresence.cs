namespace Cryo.Agent.Preflight;

/// <summary>What the node's container runtime says of an image (<see cref="CriImages"/>).</summary>
/// <param name="Known">Whether the runtime answered; false when it could not be asked (see <paramref name="Detail"/>).</param>
/// <param name="Present">Whether the image is on the node (meaningful only when <paramref name="Known"/>).</param>
/// <param name="Detail">The image's ID when present; why the runtime could not be asked when not known.</param>
public sealed record ImagePresence(bool Known, bool Present, string Detail);
