using System.Runtime.CompilerServices;

// The Raft write benchmark drives the store directly (deploy/bench/raft-write.sh).
[assembly: InternalsVisibleTo("Orch.Manager.Bench")]
