import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface ProfileSummary {
  file: string;
  /** Sampled time the thread was not idle. */
  busyMs: number;
  /** Share of busy time spent in (or under) each area: a package, a project folder, node itself. */
  inclusiveByArea: { area: string; share: number }[];
  /** The functions with the most busy time of their own. */
  topFunctions: { name: string; share: number }[];
}

function areaOf(url: string): string | undefined {
  if (!url) return undefined;
  if (url.startsWith('node:')) return 'node internals';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const [first, second] = url.slice(modules + 'node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  const project = url.replace(/^file:\/\//, '').replace(`${process.cwd()}/`, '');
  return project.includes('/') ? `${project.split('/')[0]}/` : project;
}

/** Where one thread of a `node --cpu-prof` profile spent its busy time. */
export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const sampleMs =
    profile.timeDeltas.reduce((sum, delta) => sum + delta, 0) / 1000 / Math.max(profile.samples.length, 1);

  let busy = 0;
  const inclusive = new Map<string, number>();
  const self = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0 || node.callFrame.functionName === '(idle)') continue;
    busy += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = `${functionName || '(anonymous)'}${url ? ` ${path.basename(url)}:${lineNumber + 1}` : ''}${areaOf(url) ? ` [${areaOf(url)}]` : ''}`;
    self.set(name, (self.get(name) ?? 0) + hits);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parents.get(id)) {
      const area = areaOf(nodes.get(id)!.callFrame.url);
      if (area && !seen.has(area)) {
        seen.add(area);
        inclusive.set(area, (inclusive.get(area) ?? 0) + hits);
      }
    }
  }
  const share = (hits: number) => Math.round((hits / Math.max(busy, 1)) * 1000) / 10;
  const ranked = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top);
  return {
    file,
    busyMs: Math.round(busy * sampleMs),
    inclusiveByArea: ranked(inclusive).map(([area, hits]) => ({ area, share: share(hits) })),
    topFunctions: ranked(self).map(([name, hits]) => ({ name, share: share(hits) })),
  };
}
