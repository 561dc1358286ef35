/** What `strangler analyze` returns: the analysis plus what it read and how it compares with a reference. */
import type { Comparison } from '../metrics/compare-partitions.ts';
import type { AnalysisResult } from './assemble-analysis.ts';

export interface AnalyzeResult extends AnalysisResult {
  /** What was read. */
  inputs: { source: 'flags' | 'strangler.yaml' | 'bundled sample'; logs: { file: string; format: string; statements: number }[]; code?: string; modules: number; schema?: string; git?: { dir: string; commits: number; coChanges: number }; tables: number };
  comparison?: Comparison & { reference: string };
  /** Files written (analysis.yaml, report.md, analysis.json). */
  written: string[];
  warnings: string[];
}
