import type { ControlContext, Feature } from '../context';
import type { FleetServices } from '../fleet/fleet-services';
import { ActionsService } from './actions.service';
import { registerActionJobs } from './action-jobs';
import { registerActionRoutes } from './actions.routes';
import { loadHostsFile } from './hosts-file';
import { applyHostsFile, type HostsFileFacts } from './hosts-file.apply';
import { ModelResolver } from './model-resolver';
import { SlotProbe } from './slots';
import { ActionsStatusService } from './status.service';

/**
 * Actions (issue 5): switch / warm / unload, script actions over SSH, the agent API, the picker
 * and the hosts file. Listed after the fleet feature: it uses the host registry and logs.
 */
export function createActionsFeature(ctx: ControlContext, fleet: FleetServices): Feature {
  const facts: HostsFileFacts = { slots: new Map(), overrides: new Map() };
  const directory = ctx.hosts;
  directory.setOverrides(facts.overrides);
  const slotsOf = (id: string) => facts.slots.get(id);
  registerActionJobs(ctx.queue.registry, {
    directory,
    secretsDir: ctx.config.SECRETS_DIR,
    slots: slotsOf,
    logLine: (hostId, text) => fleet.logs.append(hostId, 'upstream', text),
  });
  const service = new ActionsService({ queue: ctx.queue, directory, resolver: new ModelResolver(ctx.fleet, directory) });
  const status = new ActionsStatusService({ fleet: ctx.fleet, queue: ctx.queue, hostsRepo: ctx.hostsRepo });
  return {
    name: 'actions',
    routes(app, registry) {
      registerActionRoutes(app, registry, service, status, new SlotProbe(directory, slotsOf));
    },
    async start() {
      const path = ctx.config.HOSTS_FILE;
      if (!path) return;
      // A broken hosts file stops the start with every offending path (like a bad env value).
      const file = await loadHostsFile(path);
      const applied = await applyHostsFile(file, {
        async watch(h) {
          if (fleet.registry.has(h.id)) return;
          await fleet.registry.addRuntimeHost({ id: h.id, label: h.label ?? h.id, baseUrl: h.baseUrl, kind: h.kind, source: 'config', apiKeyRef: h.apiKeyRef ?? null });
        },
        hosts: ctx.hostsRepo,
        log: ctx.log,
      });
      for (const [k, v] of applied.slots) facts.slots.set(k, v);
      for (const [k, v] of applied.overrides) facts.overrides.set(k, v);
      ctx.log.info({ hosts: file.hosts.length, path }, 'hosts file applied');
    },
  };
}
