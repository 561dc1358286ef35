// Child process of bench/analyze-logs.ts: summarizes one log file and prints statements, seconds and peak RSS.
import { summarizeTraffic } from '../src/analyzers/logs/summarize-traffic.ts';

const file = process.argv[2]!;
const start = process.hrtime.bigint();
const summary = await summarizeTraffic({ files: [file] });
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
process.stdout.write(`${JSON.stringify({ statements: summary.statements, shapes: summary.shapes.length, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
