/**
 * Positions for the context graph of report.html: contexts start on a circle (in extraction order) and a
 * deterministic force layout (Fruchterman-Reingold, weighted attraction) pulls coupled contexts together.
 * Small on purpose: a report has tens of contexts, not thousands.
 */

export interface LayoutLink {
  a: number;
  b: number;
  weight: number;
}

export interface Point {
  x: number;
  y: number;
}

export function layoutGraph(count: number, links: LayoutLink[], size = { width: 760, height: 520, margin: 70 }): Point[] {
  if (count === 0) return [];
  const w = size.width - 2 * size.margin;
  const h = size.height - 2 * size.margin;
  const pos: Point[] = Array.from({ length: count }, (_, i) => {
    const angle = (2 * Math.PI * i) / count - Math.PI / 2;
    return { x: Math.cos(angle) * (w / 2), y: Math.sin(angle) * (h / 2) };
  });
  if (count > 2 && count <= 300) {
    const k = Math.sqrt((w * h) / count) * 0.9;
    const maxWeight = Math.max(1, ...links.map((l) => l.weight));
    let temperature = w / 8;
    for (let iter = 0; iter < 300; iter++) {
      const disp = pos.map(() => ({ x: 0, y: 0 }));
      for (let i = 0; i < count; i++) {
        for (let j = i + 1; j < count; j++) {
          const dx = pos[i]!.x - pos[j]!.x;
          const dy = pos[i]!.y - pos[j]!.y;
          const d = Math.max(1, Math.hypot(dx, dy));
          const f = (k * k) / d;
          disp[i]!.x += (dx / d) * f;
          disp[i]!.y += (dy / d) * f;
          disp[j]!.x -= (dx / d) * f;
          disp[j]!.y -= (dy / d) * f;
        }
      }
      for (const l of links) {
        if (l.a === l.b) continue;
        const dx = pos[l.a]!.x - pos[l.b]!.x;
        const dy = pos[l.a]!.y - pos[l.b]!.y;
        const d = Math.max(1, Math.hypot(dx, dy));
        const f = ((d * d) / k) * (0.2 + (0.8 * l.weight) / maxWeight);
        disp[l.a]!.x -= (dx / d) * f;
        disp[l.a]!.y -= (dy / d) * f;
        disp[l.b]!.x += (dx / d) * f;
        disp[l.b]!.y += (dy / d) * f;
      }
      for (let i = 0; i < count; i++) {
        const p = pos[i]!;
        const d = disp[i]!;
        // A weak pull to the centre keeps unconnected contexts on the page.
        d.x -= p.x * 0.02 * k * 0.1;
        d.y -= p.y * 0.02 * k * 0.1;
        const len = Math.max(1e-9, Math.hypot(d.x, d.y));
        p.x += (d.x / len) * Math.min(len, temperature);
        p.y += (d.y / len) * Math.min(len, temperature);
      }
      temperature = Math.max(1, temperature * 0.985);
    }
  }
  // Fit into the drawing area.
  const xs = pos.map((p) => p.x);
  const ys = pos.map((p) => p.y);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const sx = maxX > minX ? w / (maxX - minX) : 0;
  const sy = maxY > minY ? h / (maxY - minY) : 0;
  return pos.map((p) => ({
    x: Math.round((size.margin + (sx ? (p.x - minX) * sx : w / 2)) * 10) / 10,
    y: Math.round((size.margin + (sy ? (p.y - minY) * sy : h / 2)) * 10) / 10,
  }));
}
