/** What `strangler route export` returns (reporters and --json read it). */
import type { GatewayFormat } from './gateway-model.ts';

export interface RouteExportResult {
  format: GatewayFormat;
  contexts: string[];
  rules: { context: string; route: string; mode: string; percent: number }[];
  /** The configuration text. */
  text: string;
  /** Where it was written (absolute), when --out was given. */
  out?: string;
  written: boolean;
  /** What the format cannot express of the route table, and what was exported instead. */
  warnings: string[];
}
