/** One gateway format's renderer for the shared model, and what that format cannot express (pure). */
import type { GatewayFormat, GatewayModel } from './gateway-model.ts';
import { renderHaproxy } from './haproxy.ts';
import { renderIstio } from './istio.ts';
import { renderKong } from './kong.ts';
import { renderNginx } from './nginx.ts';

export interface RenderedGateway {
  text: string;
  warnings: string[];
}

/** Shadow rules a gateway without request mirroring exports as monolith-only. */
function noMirrorWarnings(m: GatewayModel, gateway: string, how: string): string[] {
  const shadowed = [...new Set(m.rules.filter((r) => r.mode === 'shadow').map((r) => r.context))];
  return shadowed.map((ctx) => `${gateway} cannot mirror requests (${how}): ${ctx}'s shadow routes are exported as monolith-only; run strangler proxy for shadow comparison`);
}

/** Kong's canary upstream has one protocol for both targets. */
function kongSchemeWarnings(m: GatewayModel): string[] {
  const canaries = [...new Set(m.rules.filter((r) => r.mode === 'canary').map((r) => r.context))];
  return canaries
    .filter((ctx) => m.services[ctx]!.scheme !== m.monolith.scheme)
    .map((ctx) => `Kong: ${ctx}'s canary upstream speaks ${m.services[ctx]!.scheme} to both targets, but the monolith is ${m.monolith.scheme}: give both the same scheme`);
}

export function renderGateway(format: GatewayFormat, m: GatewayModel): RenderedGateway {
  switch (format) {
    case 'nginx':
      return { text: renderNginx(m), warnings: [] };
    case 'haproxy':
      return { text: renderHaproxy(m), warnings: noMirrorWarnings(m, 'HAProxy', 'only through the SPOE spoa-mirror agent') };
    case 'kong':
      return { text: renderKong(m), warnings: [...noMirrorWarnings(m, 'Kong (open source)', 'no bundled plugin mirrors traffic'), ...kongSchemeWarnings(m)] };
    case 'istio':
      return { text: renderIstio(m), warnings: [] };
  }
}
