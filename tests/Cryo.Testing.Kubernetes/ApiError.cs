using System.Text.Json.Nodes;

namespace Cryo.Testing.Kubernetes;

/// <summary>
/// A failed API request, turned into a <c>kind: Status</c> body exactly as the API server writes it
/// (status Failure, message, reason, details, code).
/// </summary>
internal sealed class ApiError(int code, string reason, string message, ResourceType? type = null, string? name = null)
    : Exception(message)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;

    public static ApiError NotFound(ResourceType type, string name) =>
        new(404, "NotFound", $"{type.Describe()} \"{name}\" not found", type, name);

    public static ApiError AlreadyExists(ResourceType type, string name) =>
        new(409, "AlreadyExists", $"{type.Describe()} \"{name}\" already exists", type, name);

    public static ApiError Conflict(ResourceType type, string name) =>
        new(409, "Conflict",
            $"Operation cannot be fulfilled on {type.Describe()} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
            type, name);

    public static ApiError Invalid(ResourceType type, string name, string detail) =>
        new(422, "Invalid", $"{type.Kind}.{type.Group} \"{name}\" is invalid: {detail}", type, name);

    public static ApiError BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiError Gone(string message) => new(410, "Expired", message);

    public JsonObject ToStatus()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
        };
        if (type is not null)
        {
            var details = new JsonObject { ["name"] = name, ["kind"] = type.Plural };
            if (type.Group.Length > 0)
            {
                details["group"] = type.Group;
            }

            status["details"] = details;
        }

        status["code"] = Code;
        return status;
    }
}
