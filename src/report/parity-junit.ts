/** JUnit XML for CI systems: a testsuite per kind, a testcase per table / endpoint. */
import type { VerifyParityResult } from '../commands/verify-parity.ts';
import { rowDifferenceText } from './parity-text.ts';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderParityJunit(r: VerifyParityResult): string {
  const suites: string[] = [];
  if (r.data) {
    const cases = r.data.tables.map((t) => {
      const name = `${r.domain}.${t.table}`;
      if (t.equal) return `    <testcase classname="parity.data.${esc(r.domain)}" name="${esc(name)}"/>`;
      const text = t.differences.map(rowDifferenceText).join('\n');
      return `    <testcase classname="parity.data.${esc(r.domain)}" name="${esc(name)}">\n      <failure message="${esc(`${t.missing} missing, ${t.extra} extra, ${t.changed} changed`)}">${esc(text)}</failure>\n    </testcase>`;
    });
    const failures = r.data.tables.filter((t) => !t.equal).length;
    suites.push(`  <testsuite name="data parity: ${esc(r.domain)}" tests="${cases.length}" failures="${failures}">\n${cases.join('\n')}\n  </testsuite>`);
  }
  if (r.api) {
    const cases = r.api.endpoints.map((e) => {
      if (e.differing === 0) return `    <testcase classname="parity.api.${esc(r.domain)}" name="${esc(e.endpoint)}"/>`;
      const text = e.examples
        .map((x) => [`${x.method} ${x.path}`, ...(x.status ? [`status ${x.status.monolith} -> ${x.status.service}`] : []), ...x.fields.map((f) => `${f.path}: ${JSON.stringify(f.monolith)} -> ${JSON.stringify(f.service)}`)].join('\n'))
        .join('\n\n');
      return `    <testcase classname="parity.api.${esc(r.domain)}" name="${esc(e.endpoint)}">\n      <failure message="${esc(`${e.differing} of ${e.requests} requests differ`)}">${esc(text)}</failure>\n    </testcase>`;
    });
    suites.push(`  <testsuite name="api parity: ${esc(r.domain)}" tests="${cases.length}" failures="${r.api.totals.differingEndpoints}">\n${cases.join('\n')}\n  </testsuite>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="strangler verify-parity">\n${suites.join('\n')}\n</testsuites>\n`;
}
