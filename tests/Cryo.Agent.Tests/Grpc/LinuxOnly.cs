// The agent (and so every test of its service) exists only on Linux; see src/Cryo.Agent/AssemblyInfo.cs.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
