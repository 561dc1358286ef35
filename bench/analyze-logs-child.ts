// Child process of bench/analyze-logs.ts: summarizes one log file with N threads (argv[3], default 1) and prints
// statements, seconds, CPU seconds and peak RSS.
import { summarizeTraffic } from '../src/analyzers/logs/summarize-traffic.ts';

const file = process.argv[2]!;
const threads = Number(process.argv[3] ?? '1');
const start = process.hrtime.bigint();
const summary = await summarizeTraffic({ files: [file], threads });
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
// CPU time of all the process's threads: with cores taken by others, wall time stops showing what threads save.
const cpu = process.cpuUsage();
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
process.stdout.write(`${JSON.stringify({ statements: summary.statements, shapes: summary.shapes.length, threads, seconds, cpuSeconds, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
