/**
 * Reads the running proxy's admin `GET /status` (the shape in proxy-status.ts). Never throws: an unreachable
 * admin port, an error answer or something that is not a strangler proxy's status comes back as `error`.
 */
import type { ProxyStatus } from './proxy-status.ts';

export interface ReadProxyStatus {
  status?: ProxyStatus;
  /** One phrase: `not running`, `GET /status answered 500`, ... */
  error?: string;
}

function isProxyStatus(v: unknown): v is ProxyStatus {
  const o = v as Partial<ProxyStatus> | null;
  return typeof o === 'object' && o !== null && o.version === 1 && typeof o.contexts === 'object' && o.contexts !== null;
}

export async function readProxyStatus(admin: string, timeoutMs = 1500): Promise<ReadProxyStatus> {
  const { request } = await import('undici');
  try {
    const res = await request(`http://${admin}/status`, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    if (res.statusCode !== 200) {
      await res.body.dump();
      return { error: `GET /status answered ${res.statusCode}` };
    }
    const body: unknown = await res.body.json().catch(() => undefined);
    if (!isProxyStatus(body)) return { error: 'GET /status did not answer a strangler proxy status (version 1): is something else listening there?' };
    return { status: body };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ECONNREFUSED') return { error: 'not running' };
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return { error: `no answer within ${timeoutMs} ms` };
    return { error: (e as Error).message };
  }
}
