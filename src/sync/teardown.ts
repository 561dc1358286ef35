/** Drops a context's replication slot and publication, and forgets its sync state in the target. */
import { connect } from '../adapters/postgres.ts';
import { resetContext } from './checkpoint-store.ts';
import { dropPublication, dropSlot } from './source-setup.ts';

export interface TeardownResult {
  slotDropped: boolean;
  publicationDropped: boolean;
  targetStateCleared: boolean;
  warnings: string[];
}

export interface TeardownInput {
  context: string;
  sourceUrl: string;
  targetUrl?: string;
  slot: string;
  publication: string;
  /** Which database each side is, for messages (reverse sync reads the service and writes the monolith). */
  roles?: { source: string; target: string };
}

export async function teardownSync(input: TeardownInput): Promise<TeardownResult> {
  const warnings: string[] = [];
  const roles = input.roles ?? { source: 'monolith', target: 'service' };
  const src = await connect(input.sourceUrl, { role: roles.source });
  let slotDropped = false;
  let publicationDropped = false;
  try {
    slotDropped = await dropSlot(src, input.slot, 2_000);
    publicationDropped = await dropPublication(src, input.publication);
  } finally {
    await src.end().catch(() => {});
  }
  let targetStateCleared = false;
  if (input.targetUrl) {
    try {
      const tgt = await connect(input.targetUrl, { role: roles.target });
      try {
        await resetContext(tgt, input.context);
        targetStateCleared = true;
      } finally {
        await tgt.end().catch(() => {});
      }
    } catch (e) {
      warnings.push(`could not clear the sync state in the ${roles.target} database: ${(e as Error).message}`);
    }
  }
  return { slotDropped, publicationDropped, targetStateCleared, warnings };
}
