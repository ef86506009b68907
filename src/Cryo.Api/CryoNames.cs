namespace Cryo.Api;
/// <summary>Names shared by the operator and the agent: the API group and version.</summary>
public static class CryoNames
{
    public const string Group = "cryo.io";
    public const string Version = "v1alpha1";
}
