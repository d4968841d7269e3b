/** A horizontal bar chart as a self-contained SVG (no chart library: a few rects and labels). */
export interface Bar {
  label: string;
  value: number;
  note: string;
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function barChart(
  title: string,
  unit: string,
  groups: Array<{ heading: string; bars: Bar[] }>,
): string {
  const width = 900;
  const labelWidth = 330;
  const barArea = width - labelWidth - 260; // room for the longest value label
  const max = Math.max(1, ...groups.flatMap((g) => g.bars.map((b) => b.value)));
  const rows: string[] = [];
  let y = 50;
  for (const group of groups) {
    rows.push(`<text x="10" y="${y + 14}" font-weight="bold">${escape(group.heading)}</text>`);
    y += 24;
    for (const bar of group.bars) {
      const w = Math.max(1, (bar.value / max) * barArea);
      rows.push(
        `<text x="20" y="${y + 14}">${escape(bar.label)}</text>`,
        `<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="18" fill="#4a7bd0"/>`,
        `<text x="${labelWidth + w + 6}" y="${y + 14}">${bar.value.toFixed(1)} ${escape(unit)} ${escape(bar.note)}</text>`,
      );
      y += 24;
    }
    y += 10;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="26" font-size="16" font-weight="bold">${escape(title)}</text>`,
    ...rows,
    '</svg>',
    '',
  ].join('\n');
}
