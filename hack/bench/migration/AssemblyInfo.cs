// The benchmark hosts the agent, which runs on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
