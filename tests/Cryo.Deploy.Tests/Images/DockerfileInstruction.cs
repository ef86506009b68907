namespace Cryo.Deploy.Tests.Images;

/// <summary>One Dockerfile instruction (continuation lines joined), with the line it starts on.</summary>
public sealed record DockerfileInstruction(string Keyword, string Arguments, int Line);
