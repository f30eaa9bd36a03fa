import type { Config } from '../../config/schema.ts';
import type { ClusterSecrets } from './secrets.ts';
import type { Member, MemberKind, Topology } from './topology.ts';

/** Everything an engine needs to render its member's configuration. */
export interface ClusterContext {
  config: Config;
  settings: Config['cluster'];
  dir: string;
  topology: Topology;
  secrets: ClusterSecrets;
}

/** How to start a member: the command, and whether it runs as the unprivileged engine user. */
export interface LaunchSpec {
  command: string;
  args: string[];
  env?: Record<string, string>;
  asEngineUser: boolean;
}

/** What a member reports about itself. */
export interface Probe {
  healthy: boolean;
  /** leader / replica / master / sentinel / ... */
  role?: string;
  /** Replication lag in bytes (PostgreSQL) or offset difference (Redis). */
  lag?: number;
  detail?: string;
}

/**
 * One engine of the cluster (etcd, Patroni, HAProxy, ...): one file each under engines/. An
 * engine renders its member's files and command, and probes a running member.
 */
export interface Engine {
  kind: MemberKind;
  /** Writes the member's configuration (keeping files the engine itself rewrites) and says how to start it. */
  prepare(member: Member, cluster: ClusterContext): Promise<LaunchSpec>;
  probe(member: Member, cluster: ClusterContext): Promise<Probe>;
}
