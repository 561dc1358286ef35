/** The parts of strangler.yaml the proxy's request path reads, resolved once per (re)load (pure). */
import type { StranglerConfig } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import type { UserKeySettings } from './sticky-split.ts';
import { splitUpstreamUrl } from './upstream-pools.ts';

export interface Upstream {
  origin: string;
  basePath: string;
  timeoutMs: number;
}

export interface ServiceUpstream extends Upstream {
  ignorePaths: string[];
  floatTolerance: number;
  shadowMethods: Set<string>;
}

export interface ProxyView {
  monolith: Upstream;
  userKey: UserKeySettings;
  services: Map<string, ServiceUpstream>;
}

export function proxyViewOf(config: StranglerConfig, file: string): ProxyView {
  if (!config.monolith.url) throw new ConfigError(`${file}: monolith.url is not set`, "the proxy sends every request it does not route to a service there: set it to the monolith's base URL");
  const services = new Map<string, ServiceUpstream>();
  for (const [name, c] of Object.entries(config.contexts)) {
    if (!c.service.url) continue;
    services.set(name, {
      ...splitUpstreamUrl(c.service.url),
      timeoutMs: c.routing.timeoutMs,
      ignorePaths: c.parity.ignorePaths,
      floatTolerance: c.parity.floatTolerance,
      shadowMethods: new Set(c.routing.shadowMethods.flatMap((m) => (m === 'ANY' ? ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'] : [m]))),
    });
  }
  return { monolith: { ...splitUpstreamUrl(config.monolith.url), timeoutMs: config.proxy.monolithTimeoutMs }, userKey: config.proxy.userKey, services };
}

export function originsOf(view: ProxyView): Set<string> {
  return new Set([view.monolith.origin, ...[...view.services.values()].map((s) => s.origin)]);
}
