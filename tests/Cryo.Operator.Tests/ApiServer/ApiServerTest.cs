namespace Cryo.Operator.Tests.ApiServer;

/// <summary>A test class whose every test gets its own API test server and a real client of it.</summary>
public abstract class ApiServerTest(TestApiServerOptions? options = null) : IAsyncLifetime
{
    protected TestApiServer Server { get; private set; } = null!;

    protected Kubernetes Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await TestApiServer.StartAsync(options);
        Client = Server.CreateClient();
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
