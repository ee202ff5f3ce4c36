using Grpc.Core;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Manager.Distribution;
using Orch.Manager.Orchestration;
using Orch.Manager.State;

namespace Orch.Manager.Control;

// Services and tasks. Checks that need the whole store (name uniqueness, id prefixes) run on a
// fresh read before proposing; the store's optimistic versions catch concurrent updates.
internal sealed partial class ControlApi
{
    public override Task<Service> CreateService(CreateServiceRequest request, ServerCallContext context) =>
        Guard(async () =>
        {
            var ct = context.CancellationToken;
            var spec = Checked(request.Spec);
            await PinAsync(spec, null, new PinOptions(request.NoResolveImage, request.WithRegistryAuth, Force: false), context);
            var id = ServiceIds.New();
            if (spec.Name.Length == 0)
            {
                spec.Name = "svc-" + id[..8];
            }
            // Checked before proposing, so two concurrent creates of one name can both pass;
            // closing that needs the check in ClusterState.Apply (not owned by this facet).
            var taken = await store.ReadAsync(s => s.ListServices().Any(x => x.Spec.Name == spec.Name), ct);
            if (taken)
            {
                throw new RpcException(new Status(StatusCode.AlreadyExists, $"service name \"{spec.Name}\" is already in use"));
            }
            var service = new Service { Id = id, Spec = spec, SpecVersion = 1 };
            var result = await store.ProposeAsync(Single(new Op { Create = new CreateOp { Object = StoreObjects.Wrap(service) } }), ct);
            CommandErrors.ThrowIfFailed(result);
            return Redacted(result.Objects[0].Service);
        });

    public override Task<Service> UpdateService(UpdateServiceRequest request, ServerCallContext context) =>
        Guard(async () =>
        {
            var ct = context.CancellationToken;
            var service = await ResolveAsync(request.Id, ct);
            if (request.Version != service.Meta.Version)
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition,
                    $"service {service.Spec.Name}: update out of sequence (version {request.Version}, stored {service.Meta.Version})"));
            }
            ServiceSpec? spec = null;
            if (!request.Rollback)
            {
                spec = Checked(request.Spec);
                await PinAsync(spec, service.Spec, new PinOptions(request.NoResolveImage, request.WithRegistryAuth, request.Force), context);
            }
            Service updated;
            try
            {
                updated = request.Rollback ? ServiceUpdates.Rollback(service) : ServiceUpdates.Update(service, spec!, request.Force);
            }
            catch (ArgumentException e)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
            }
            catch (InvalidOperationException e)
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition, e.Message));
            }
            var result = await store.ProposeAsync(Single(new Op { Update = new UpdateOp { Object = StoreObjects.Wrap(updated) } }), ct);
            CommandErrors.ThrowIfFailed(result);
            return Redacted(result.Objects[0].Service);
        });

    public override Task<RemoveServiceResponse> RemoveService(RemoveServiceRequest request, ServerCallContext context) =>
        Guard(async () =>
        {
            var service = await ResolveAsync(request.Id, context.CancellationToken);
            // Its tasks are shut down and then removed by the task reaper.
            var result = await store.ProposeAsync(
                Single(new Op { Remove = new RemoveOp { Kind = ObjectKind.Service, Id = service.Id } }), context.CancellationToken);
            CommandErrors.ThrowIfFailed(result);
            return new RemoveServiceResponse();
        });

    public override Task<ListServicesResponse> ListServices(ListServicesRequest request, ServerCallContext context) =>
        Guard(async () =>
        {
            var listing = await store.ReadAsync(s => ServiceListing.Build(s, request.Names), context.CancellationToken);
            var redacted = listing.Services.Select(Redacted).ToList();
            listing.Services.Clear();
            listing.Services.AddRange(redacted);
            return listing;
        });

    public override Task<Service> InspectService(InspectServiceRequest request, ServerCallContext context) =>
        Guard(async () => Redacted(await ResolveAsync(request.Id, context.CancellationToken)));

    public override Task<ListTasksResponse> ListTasks(ListTasksRequest request, ServerCallContext context) =>
        Guard(async () =>
        {
            var tasks = await store.ReadAsync(s => s.ListTasks(), context.CancellationToken);
            var response = new ListTasksResponse();
            response.Tasks.AddRange(tasks.Where(t =>
                (request.NodeId.Length == 0 || t.NodeId == request.NodeId)
                && (request.ServiceId.Length == 0 || t.ServiceId == request.ServiceId)
                && (request.DesiredStates.Count == 0 || request.DesiredStates.Contains(t.DesiredState)))
                .Select(t => t.Spec?.Container is { RegistryAuth.Length: > 0 } ? Redacted(t) : t));
            return response;
        });

    // By full id, then exact name, then unique id prefix (as docker's service lookups).
    private async Task<Service> ResolveAsync(string reference, CancellationToken ct)
    {
        if (reference.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "no service id or name given"));
        }
        var services = await store.ReadAsync(s => s.ListServices(), ct);
        var match = services.FirstOrDefault(s => s.Id == reference) ?? services.FirstOrDefault(s => s.Spec.Name == reference);
        if (match is not null)
        {
            return match;
        }
        var byPrefix = services.Where(s => s.Id.StartsWith(reference, StringComparison.Ordinal)).ToList();
        return byPrefix.Count switch
        {
            1 => byPrefix[0],
            0 => throw new RpcException(new Status(StatusCode.NotFound, $"service {reference} not found")),
            _ => throw new RpcException(new Status(StatusCode.InvalidArgument, $"service {reference} is ambiguous ({byPrefix.Count} matches)")),
        };
    }

    private static ServiceSpec Checked(ServiceSpec? spec)
    {
        if (spec is null)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "no service spec given"));
        }
        if (ServiceSpecValidator.Validate(spec) is { } problem)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, problem));
        }
        return ServiceDefaults.Fill(spec);
    }

    /// <summary>Pins the image (<see cref="ImagePinner"/>); a warning goes back in the response trailer "warning".</summary>
    private async System.Threading.Tasks.Task PinAsync(ServiceSpec spec, ServiceSpec? previous, PinOptions options, ServerCallContext context)
    {
        if (await pinner.PinAsync(spec, previous, options, context.CancellationToken) is { } warning)
        {
            context.ResponseTrailers.Add("warning", warning);
        }
    }

    /// <summary>
    /// A copy without the forwarded registry credentials: the control API's answers never carry them (as
    /// Docker's API never returns PullOptions); only the agents' assignments do.
    /// </summary>
    private static Service Redacted(Service service)
    {
        var copy = service.Clone();
        if (copy.Spec?.TaskTemplate?.Container is { } c)
        {
            c.RegistryAuth = "";
        }
        if (copy.PreviousSpec?.TaskTemplate?.Container is { } p)
        {
            p.RegistryAuth = "";
        }
        return copy;
    }

    private static Orch.Api.V1.Objects.Task Redacted(Orch.Api.V1.Objects.Task task)
    {
        var copy = task.Clone();
        copy.Spec.Container.RegistryAuth = "";
        return copy;
    }

    private static Command Single(Op op) => new() { Ops = { op } };
}
